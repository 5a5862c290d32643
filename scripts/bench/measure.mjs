// Runs one child process and measures it: wall time (monotonic clock in this process, spawn → exit),
// CPU seconds (user + sys) and peak RSS. Peak RSS and CPU come from GNU time (`/usr/bin/time`, Debian
// package `time`: wait4's rusage of the child, exact); without it, /proc/<pid>/status VmHWM and
// /proc/<pid>/stat utime+stime are polled every 20 ms (the last ≤ 20 ms of CPU can be missed).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { clockTicks } from './sys.mjs';

export const GNU_TIME = '/usr/bin/time';

const running = new Set();
/** SIGTERM to every measured child still running (the bench was interrupted). */
export function stopRunning() {
  for (const c of running) {
    try {
      c.kill('SIGTERM');
    } catch {}
  }
}

/** Whether GNU time is there. BENCH_NO_GNU_TIME=1 pretends it is not (to try the /proc fallback). */
export function haveGnuTime() {
  return existsSync(GNU_TIME) && process.env.BENCH_NO_GNU_TIME !== '1';
}

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {{env?: NodeJS.ProcessEnv, cwd?: string, stdoutFile: string, stderrFile: string, timeFile: string, timeoutMs?: number}} o
 * @returns {Promise<{code: number|null, signal: string|null, wall_s: number, cpu_s: number|null, user_s: number|null, sys_s: number|null, rss_mb: number|null, via: string}>}
 */
export async function measure(cmd, args, o) {
  const out = openSync(o.stdoutFile, 'w');
  const err = openSync(o.stderrFile, 'w');
  const useTime = haveGnuTime();
  const argv = useTime ? ['-f', '%e %U %S %M', '-o', o.timeFile, cmd, ...args] : args;
  const t0 = process.hrtime.bigint();
  const child = spawn(useTime ? GNU_TIME : cmd, argv, { env: o.env, cwd: o.cwd, stdio: ['ignore', out, err] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  closeSync(out);
  closeSync(err);
  let poll;
  const sample = { hwmKb: null, ticks: null };
  if (!useTime) {
    const tick = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m) sample.hwmKb = Math.max(sample.hwmKb ?? 0, Number(m[1]));
        // Fields after the ")" of comm: state is field 3; utime and stime are fields 14 and 15.
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        sample.ticks = { user: Number(f[11]), sys: Number(f[12]) };
      } catch {
        // gone, or no /proc
      }
    };
    poll = setInterval(tick, 20);
    tick();
  }
  let timer;
  if (o.timeoutMs) {
    timer = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {}
    }, o.timeoutMs);
  }
  const { code, signal } = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, s) => resolve({ code: c, signal: s }));
  });
  const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (timer) clearTimeout(timer);
  if (poll) clearInterval(poll);
  if (useTime) {
    // GNU time writes "Command exited with non-zero status N" (or "terminated by signal") before the figures.
    let text = '';
    try {
      text = readFileSync(o.timeFile, 'utf8');
    } catch {}
    const line = text.trim().split('\n').pop() ?? '';
    const m = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/.exec(line.trim());
    const exited = /non-zero status (\d+)/.exec(text);
    const realCode = exited ? Number(exited[1]) : code;
    if (!m) return { code: realCode, signal, wall_s, cpu_s: null, user_s: null, sys_s: null, rss_mb: null, via: 'time (unreadable)' };
    const user_s = Number(m[2]);
    const sys_s = Number(m[3]);
    return { code: realCode, signal, wall_s, cpu_s: user_s + sys_s, user_s, sys_s, rss_mb: Number(m[4]) / 1024, via: '/usr/bin/time' };
  }
  const hz = clockTicks();
  const user_s = sample.ticks ? sample.ticks.user / hz : null;
  const sys_s = sample.ticks ? sample.ticks.sys / hz : null;
  return {
    code,
    signal,
    wall_s,
    cpu_s: user_s === null ? null : user_s + sys_s,
    user_s,
    sys_s,
    rss_mb: sample.hwmKb === null ? null : sample.hwmKb / 1024,
    via: sample.ticks ? '/proc polling (20 ms)' : 'none',
  };
}
