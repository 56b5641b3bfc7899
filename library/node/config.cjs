'use strict';
/** config(): the job's YAML file, read with the YAML reader in yaml.cjs. */

const fs = require('fs');
const path = require('path');
const { parseYaml } = require('./yaml.cjs');

const DEFAULT_NAME = 'odin_job.yml';

/** The directory of the program being run (the main module), or the working directory. */
function programDir() {
  const main = process.argv[1];
  return main && fs.existsSync(main) ? path.dirname(path.resolve(main)) : process.cwd();
}

/**
 * Reads and parses the job's YAML: `file` (relative to the working directory), default odin_job.yml beside the
 * program. Throws an Error naming the file when it is missing, not YAML this library reads, or not a mapping.
 */
function loadConfig(file) {
  const target = file ? path.resolve(file) : path.join(programDir(), DEFAULT_NAME);
  let text;
  try {
    text = fs.readFileSync(target, 'utf8');
  } catch (err) {
    throw new Error(`${target}: cannot read the job file (${err.code || err.message})`);
  }
  let data;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new Error(`${target}: not valid YAML: ${err.message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new Error(`${target}: expected a YAML mapping`);
  }
  return data;
}

module.exports = { loadConfig, DEFAULT_NAME };
