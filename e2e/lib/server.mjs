// Starts the product binary for a test file and stops it afterwards.
//
//   const server = await startServer();
//   server.baseUrl            // http://127.0.0.1:<port>
//   server.axisUrl            // the demo's local axis, on a free port too
//   server.stdout()           // everything the server printed on stdout so far
//   await server.waitForOutput(/thuky\.\d{5}/)
//   await server.stop()
//
// The binary is $NGHITRUONG_BIN, or target/debug/nghitruong in the repo.
// It runs as `<bin> serve --demo --port <free port> --data-dir <fresh temp dir>`
// and its stdout and stderr are copied to e2e/artifacts/server-<n>.log.
// Only 127.0.0.1 is ever contacted.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ARTIFACTS_DIR, REPO_ROOT } from './paths.mjs';

const HEALTH_TIMEOUT_MS = 120_000;
const HEALTH_POLL_MS = 250;
const STOP_GRACE_MS = 10_000;
const HOST = '127.0.0.1';

/** The product binary the suite runs. */
export function serverBinary() {
  const fromEnv = process.env.NGHITRUONG_BIN;
  return fromEnv ? resolve(fromEnv) : resolve(REPO_ROOT, 'target/debug/nghitruong');
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', fail);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close((err) => (err ? fail(err) : ok(port)));
    });
  });
}

/** Claims e2e/artifacts/server-<n>.log with the smallest unused n. */
function claimLogPath() {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  for (let n = 1; ; n += 1) {
    const path = join(ARTIFACTS_DIR, `server-${n}.log`);
    try {
      closeSync(openSync(path, 'wx'));
      return path;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
  }
}

// Servers still running when this process exits are killed, so that a
// crashed test run never leaves a product server behind.
const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Starts the server and resolves once GET /healthz answers 200.
 * @param {{ bin?: string, extraArgs?: string[], env?: Record<string,string> }} [options]
 */
export async function startServer(options = {}) {
  const bin = options.bin ?? serverBinary();
  if (!existsSync(bin)) {
    throw new Error(
      `product binary not found: ${bin}\n` +
        'build it with `cargo build -p nghitruong` or point NGHITRUONG_BIN at it',
    );
  }
  const port = await freePort();
  const baseUrl = `http://${HOST}:${port}`;
  // `serve --demo` starts a local axis inside the server; give it a free
  // port of its own so that servers started side by side (by this suite or
  // another checkout's) never fight over the default 8090.
  const axisPort = await freePort();
  const axisUrl = `http://${HOST}:${axisPort}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'nghitruong-e2e-'));
  const logPath = claimLogPath();
  const log = createWriteStream(logPath, { flags: 'a' });
  const args = ['serve', '--demo', '--port', String(port), '--data-dir', dataDir, ...(options.extraArgs ?? [])];
  log.write(`$ ${bin} ${args.join(' ')}\n`);

  const child = spawn(bin, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, NGHITRUONG__EXCHANGE__BASE_URL: axisUrl, ...(options.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);

  let stdoutText = '';
  let stderrText = '';
  let allText = '';
  const record = (chunk) => {
    allText += chunk;
    if (!log.writableEnded) log.write(chunk);
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    stdoutText += chunk;
    record(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderrText += chunk;
    record(chunk);
  });
  // 'close' comes after 'exit' once stdout and stderr are drained.
  const closed = new Promise((ok) => child.on('close', ok));

  // exitInfo turns non-null when the process has exited or could not be spawned.
  let exitInfo = null;
  const exited = new Promise((ok) => {
    child.on('exit', (code, signal) => {
      exitInfo ??= { code, signal };
      running.delete(child);
      ok(exitInfo);
    });
    child.on('error', (err) => {
      if (child.pid === undefined) {
        exitInfo ??= { spawnError: err.message };
        running.delete(child);
        ok(exitInfo);
      }
    });
  });

  const tail = () => allText.split('\n').slice(-40).join('\n');

  let stopped = false;
  async function stop() {
    if (stopped) return exited;
    stopped = true;
    if (exitInfo === null) {
      child.kill('SIGTERM');
      const timer = sleep(STOP_GRACE_MS, 'timeout', { ref: false });
      if ((await Promise.race([exited, timer])) === 'timeout') {
        log.write(`\n[e2e] server did not stop within ${STOP_GRACE_MS} ms of SIGTERM; sending SIGKILL\n`);
        child.kill('SIGKILL');
        await exited;
      }
    }
    if (!('spawnError' in exitInfo)) await Promise.race([closed, sleep(2_000, null, { ref: false })]);
    log.write(`\n[e2e] server exited: ${JSON.stringify(exitInfo)}\n`);
    await new Promise((ok) => log.end(ok));
    if (!process.env.E2E_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    return exitInfo;
  }

  // Wait for /healthz, failing fast if the process dies.
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  for (;;) {
    if (exitInfo !== null) {
      await stop();
      throw new Error(
        `server exited before it was healthy (${JSON.stringify(exitInfo)}); log ${logPath}:\n${tail()}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000), redirect: 'manual' });
      await res.arrayBuffer();
      if (res.status === 200) break;
      lastProblem = `GET /healthz answered ${res.status}`;
    } catch (err) {
      lastProblem = err?.cause?.code ?? err?.message ?? String(err);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `server not healthy within ${HEALTH_TIMEOUT_MS / 1000} s (${lastProblem}); log ${logPath}:\n${tail()}`,
      );
    }
    await sleep(HEALTH_POLL_MS);
  }

  /** Resolves with the first match of `pattern` in what the server printed (stdout, then stderr). */
  async function waitForOutput(pattern, timeoutMs = 10_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const match = stdoutText.match(pattern) ?? stderrText.match(pattern);
      if (match) return match;
      if (Date.now() > until || exitInfo !== null) {
        throw new Error(`server output never matched ${pattern}; log ${logPath}:\n${tail()}`);
      }
      await sleep(100);
    }
  }

  return {
    baseUrl,
    port,
    axisUrl,
    dataDir,
    logPath,
    process: child,
    stdout: () => stdoutText,
    stderr: () => stderrText,
    waitForOutput,
    stop,
  };
}
