// The local server's CPU time (issue 15 "Server cost per file"): utime + stime of every process of the
// server's process group — workerd (Miniflare's runtime: the Worker, D1, R2, the Durable Object, the
// queue) apart from the rest (the node process that hosts Miniflare, its loopback services such as the
// Images binding's sharp) — read from /proc/<pid>/stat before and after a run. The bench divides the
// difference by the files the run registered. Linux only; elsewhere the figures are null.
import { readdirSync, readFileSync } from 'node:fs';
import { clockTicks } from './sys.mjs';

/**
 * CPU seconds used so far by the processes of process group `pgid` (and their descendants, should one
 * have left the group), split by command name.
 * @param {number} pgid the server's pid (it runs in its own process group)
 * @returns {{workerd_s: number, other_s: number, pids: number} | null}
 */
export function serverCpu(pgid) {
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const procs = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
    const f = stat.slice(close + 2).split(' ');
    procs.push({ pid: Number(e), comm, ppid: Number(f[1]), pgrp: Number(f[2]), ticks: Number(f[11]) + Number(f[12]) });
  }
  const mine = new Set(procs.filter((p) => p.pgrp === pgid || p.pid === pgid).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  const hz = clockTicks();
  let workerd = 0;
  let other = 0;
  for (const p of procs) {
    if (!mine.has(p.pid)) continue;
    if (p.comm.startsWith('workerd')) workerd += p.ticks;
    else other += p.ticks;
  }
  return { workerd_s: workerd / hz, other_s: other / hz, pids: mine.size };
}

/** after − before, per part (null when either is null). */
export function cpuDelta(before, after) {
  if (!before || !after) return null;
  return { workerd_s: after.workerd_s - before.workerd_s, other_s: after.other_s - before.other_s };
}

/**
 * Waits until the server's workerd is idle — less than `idleCpuS` CPU seconds over `windowMs` — so that
 * the work a run left queued (the preview queue's consumer: claim, previews, `ready`) is counted too.
 * The window is longer than the queue's batch timeout (1 s), whose pauses would look idle.
 * @returns {Promise<{idle: boolean, waited_s: number}>}
 */
export async function waitServerIdle(pgid, { windowMs = 3000, idleCpuS = 0.03, timeoutMs = 180_000 } = {}) {
  const t0 = Date.now();
  let prev = serverCpu(pgid);
  if (!prev) return { idle: false, waited_s: 0 };
  for (;;) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = serverCpu(pgid);
    if (!now) return { idle: false, waited_s: (Date.now() - t0) / 1000 };
    if (now.workerd_s - prev.workerd_s < idleCpuS) return { idle: true, waited_s: (Date.now() - t0) / 1000 };
    if (Date.now() - t0 > timeoutMs) return { idle: false, waited_s: (Date.now() - t0) / 1000 };
    prev = now;
  }
}
