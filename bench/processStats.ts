import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

export function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** Samples the processes' resident memory every intervalMs; stop() gives the peak of each and the CPU used meanwhile. */
export function sampleProcesses(pids: number[], intervalMs = 200) {
  const cpu0 = pids.map(cpuSeconds);
  const t0 = Date.now();
  const peak = pids.map(rssMB);
  const timer = setInterval(() => {
    pids.forEach((pid, i) => {
      try {
        peak[i] = Math.max(peak[i], rssMB(pid));
      } catch {
        // The process ended; keep what was seen.
      }
    });
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const wall = (Date.now() - t0) / 1000;
      const cpu = pids.map((pid, i) => cpuSeconds(pid) - cpu0[i]);
      return {
        cpuSeconds: cpu.map((c) => Math.round(c * 100) / 100),
        /** Cores busy on average (1.0 = one core fully used), per process. */
        cpuCores: cpu.map((c) => Math.round((c / wall) * 100) / 100),
        peakRssMB: peak,
      };
    },
  };
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineBusySeconds(): number {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  return (v.reduce((a, b) => a + b, 0) - v[3] - v[4]) / TICKS;
}

/** CPU seconds used so far by every PostgreSQL server process on this machine. */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(Number(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}
