/**
 * Lets a job that is an ES module `import odin from 'odin'` without installing the package: Odin's wrapper
 * preloads this file (node --import), which resolves the bare name "odin" to this folder when the job has no
 * odin package of its own. CommonJS jobs find the package through NODE_PATH instead.
 */
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
