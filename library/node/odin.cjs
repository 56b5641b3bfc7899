'use strict';
/**
 * Odin's in-job library for Node.js: watch values, check conditions, report a result.
 *
 *     const odin = require('odin');            // or: import odin from 'odin';
 *     const files = odin.watch(entries.length); // recorded as "entries.length"
 *     if (odin.condition(files < 100, 'few files')) odin.result('cache is small');
 *
 * Every call is synchronous. Under Odin, records go to the wrapper's pipe (ODIN_RECORD_FD); run by hand, the
 * library is in local test mode and prints each record to stderr.
 */

const { Recorder } = require('./recorder.cjs');
const { argumentName } = require('./source.cjs');
const { loadConfig } = require('./config.cjs');

let recorder = null;

/** The Recorder behind the functions below, made from the environment on first use. */
function defaultRecorder() {
  if (recorder === null) recorder = new Recorder();
  return recorder;
}

/** Records `value` and returns it; without a name, the name is the source text of the argument. */
function watch(value, name) {
  defaultRecorder().watch(name == null ? argumentName(watch) : String(name), value);
  return value;
}

/** Records the truth of `expr` and returns it, so `if (odin.condition(n === 0))` reads naturally. */
function condition(expr, description) {
  const ok = Boolean(expr);
  defaultRecorder().condition(description == null ? argumentName(condition) : String(description), ok);
  return ok;
}

/**
 * Records the job's final message and ends the job (process.exit): exit code 0 on success, 1 on failure.
 * Success is the last recorded condition (true when none was recorded) unless given.
 */
function result(message, success) {
  process.exit(defaultRecorder().result(message, success));
}

/** Local test mode from now on, even under Odin: records print to stderr and nothing is sent. */
function mock() {
  recorder = new Recorder({ fd: 2, local: true });
  return recorder;
}

/** The first error met writing a record, or null. */
function error() {
  return defaultRecorder().error;
}

/** The job's YAML file (default: odin_job.yml beside the program) as plain objects. */
function config(path) {
  return loadConfig(path);
}

module.exports = { watch, condition, result, config, mock, error, Recorder };
