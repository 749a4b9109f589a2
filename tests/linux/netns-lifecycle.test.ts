// `--netns NAME` for a namespace that does not exist: netstack creates it, runs inside it, and
// deletes it again on Ctrl-C. Also the fault options, which need a live link to show.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { CLI, Netns, linuxSkip, pingReceived } from './netns-fixture.ts';

const skip = linuxSkip();

describe('netstack up --netns', { skip }, () => {
  const name = `nstest-own-${process.pid}`;
  after(() => {
    // Only if the test failed half-way: the namespace is ours either way.
    if (existsSync(`/run/netns/${name}`)) spawn('ip', ['netns', 'delete', name]);
  });

  test('creates a missing namespace, stops cleanly on Ctrl-C, and deletes the namespace', async () => {
    assert.ok(!existsSync(`/run/netns/${name}`));
    const child = spawn(process.execPath, [CLI, 'up', '--netns', name, '--tap', 'nsown0', '--ip', '203.0.113.50/24'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so the test can do what Ctrl-C does: signal the whole group.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => /netstack: up nsown0 /.test(stdout) && resolve());
        exited.then(() => reject(new Error(`exited early: ${stderr}`)));
      });
      assert.ok(existsSync(`/run/netns/${name}`), 'namespace exists while running');
      // Both the outer process and the one inside the namespace get SIGINT (and the outer
      // forwards its own too): the inner one must still shut down cleanly.
      process.kill(-child.pid!, 'SIGINT');
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, /netstack: down nsown0;/);
    } finally {
      clearTimeout(killer);
    }
    assert.ok(!existsSync(`/run/netns/${name}`), 'namespace deleted after exit');
  });
});

describe('netstack up with impairments', { skip }, () => {
  test('--drop-chance 1 drops every frame: no ping is answered', async () => {
    const netns = new Netns('drop');
    try {
      const netstack = await netns.startNetstack(['--tap', 'nsdrop0', '--ip', '192.0.2.40/24', '--host-ip', '192.0.2.1/24', '--drop-chance', '1']);
      const result = netns.run('ping', ['-n', '-c', '3', '-i', '0.2', '-W', '1', '-w', '4', '192.0.2.40']);
      assert.equal(pingReceived(result.stdout), 0, result.stdout);
      assert.equal(await netstack.stop(), 0);
    } finally {
      netns.destroy();
    }
  });
});
