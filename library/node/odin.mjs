/** Odin's in-job library for Node.js, as an ES module: the same functions as odin.cjs. */
import odin from './odin.cjs';

export const { watch, condition, result, config, mock, error, Recorder } = odin;
export default odin;
