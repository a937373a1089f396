// Loaded into a server process with `node --expose-gc --require <this file>`: samples the live heap (collected
// first) every 200 ms and, on SIGUSR2, prints `heap-probe {"baseline":..,"peak":..}` and starts over from now.
// The collections cost what the server process holds, never what the process that reads the figures holds.
const { setInterval } = require('node:timers');

const live = () => {
  global.gc();
  return process.memoryUsage().heapUsed;
};
let baseline = live();
let peak = baseline;
setInterval(() => {
  peak = Math.max(peak, live());
}, 200).unref();
process.on('SIGUSR2', () => {
  const report = { baseline, peak: Math.max(peak, live()) };
  process.stdout.write(`heap-probe ${JSON.stringify(report)}\n`);
  baseline = live();
  peak = baseline;
});
