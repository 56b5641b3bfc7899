// Prints the job file named on the command line as JSON, as the Node.js library reads it.
const odin = require('odin');

try {
  console.log(JSON.stringify(odin.config(process.argv[2])));
} catch (err) {
  console.error(err.message);
  process.exit(2);
}
