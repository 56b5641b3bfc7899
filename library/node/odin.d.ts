/** Odin's in-job library for Node.js: watch values, check conditions, report a result. */

/** Records `value` (named after the argument's source text unless `name` is given) and returns it. */
export function watch<T>(value: T, name?: string): T;
/** Records whether `expr` is truthy and returns that boolean. */
export function condition(expr: unknown, description?: string): boolean;
/** Records the final message and ends the job: exit code 0 on success, 1 on failure. */
export function result(message: unknown, success?: boolean): never;
/** The job's YAML file (default: odin_job.yml beside the program) as plain objects. */
export function config(path?: string): Record<string, unknown>;
/** Local test mode from now on: records print to stderr and nothing is sent. */
export function mock(): Recorder;
/** The first error met writing a record, or null. */
export function error(): Error | null;

export class Recorder {
  constructor(options?: { fd?: number; local?: boolean; write?: (text: string) => void });
  local: boolean;
  error: Error | null;
  watch(name: string, value: unknown): Error | null;
  condition(name: string, ok: unknown): Error | null;
  /** Records the result and returns the exit code the job should end with. */
  result(message: unknown, success?: boolean): 0 | 1;
}

declare const odin: {
  watch: typeof watch;
  condition: typeof condition;
  result: typeof result;
  config: typeof config;
  mock: typeof mock;
  error: typeof error;
  Recorder: typeof Recorder;
};
export default odin;
