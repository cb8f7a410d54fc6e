// The small harness shared by the package scripts (pack-smoke, install-test): run a command and
// capture its output, run named checks, and end with the `N passed, M failed` line.
import { spawnSync } from 'node:child_process';

/** A runner of commands with `defaultEnv`, capturing stdout and stdout+stderr. */
export function commandRunner(defaultEnv) {
  return (cmd, args, cwd, env = defaultEnv) => {
    const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
    return { status: r.error ? -1 : r.status, stdout: r.stdout ?? '', output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}` };
  };
}

/** The last `n` lines of `s`, indented under a check's line. */
export const tail = (s, n = 20) => s.trimEnd().split('\n').slice(-n).map((l) => `      ${l}`).join('\n');

/** Named checks: `check(name, fn)` passes unless fn throws; fn may return a detail line. */
export function checkList() {
  const results = [];
  return {
    check(name, fn) {
      const t0 = performance.now();
      let ok = false;
      let detail = '';
      try {
        detail = fn() ?? '';
        ok = true;
      } catch (err) {
        detail = err instanceof Error ? err.message : String(err);
      }
      results.push(ok);
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(`${ok ? 'PASS' : 'FAIL'}  ${name} (${secs} s)${detail ? `\n${detail.replace(/^(?! {6})/gm, '      ')}` : ''}`);
      return ok;
    },
    skip(name, why) {
      results.push(false);
      console.log(`FAIL  ${name}: not run, ${why}`);
    },
    /** Prints the closing line and sets the exit code (failure also when nothing ran). */
    finish() {
      const failed = results.filter((ok) => !ok).length;
      console.log(`${results.length - failed} passed, ${failed} failed`);
      process.exitCode = failed > 0 || results.length === 0 ? 1 : 0;
    },
  };
}
