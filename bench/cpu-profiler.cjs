'use strict';
// Preloaded through NODE_OPTIONS=--require by bench/profile.ts (Node 20 refuses --cpu-prof there).
// SIGUSR2 starts V8's sampling profiler, so start-up work stays out of the profile; when the
// process exits, the profile is written to BENCH_CPU_PROFILE_DIR as CPU.<date>.<time>.<pid>.0.0.cpuprofile.
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  let started = false;
  process.on('SIGUSR2', () => {
    if (started) return;
    started = true;
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 1000 });
    session.post('Profiler.start');
  });
  process.on('exit', () => {
    if (!started) return;
    // A same-thread session answers synchronously, so the profile is written before the process ends.
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '.').slice(0, 15);
      writeFileSync(join(dir, `CPU.${stamp}.${process.pid}.0.0.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
