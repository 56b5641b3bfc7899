'use strict';
/** config(): the job's YAML file, read with the YAML reader in yaml.cjs. */

const fs = require('fs');
const path = require('path');
const { parseYaml } = require('./yaml.cjs');

const DEFAULT_NAME = 'odin_job.yml';

/** The directory of the program being run (the main module), or the working directory. */
function programDir() {
  const main = process.argv[1];
  return main ? path.dirname(path.resolve(main)) : process.cwd();
}

/** Reads and parses the job's YAML: `file` (relative to the program's folder), default odin_job.yml. */
function loadConfig(file) {
  const target = path.resolve(programDir(), file || DEFAULT_NAME);
  return parseYaml(fs.readFileSync(target, 'utf8'));
}

module.exports = { loadConfig, DEFAULT_NAME };
