// `schedule`'s start-up checks: what it refuses before running anything, and what it must not.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addScheduleOptions, MAX_STOP_TIMEOUT_S, scheduleConfigFrom } from '../../src/backup-tool/cli-schedule.js';
import { UsageError } from '../../src/backup-tool/cli-common.js';

function configOf(args: string[]) {
  const c = addScheduleOptions(new Command('schedule')).exitOverride();
  c.parse(['--cron', '@daily', '--target', '/nonexistent/sets', '--endpoints', 'http://127.0.0.1:2379', '--no-encrypt', ...args], { from: 'user' });
  return scheduleConfigFrom(c.opts(), { stdout: () => undefined, stderr: () => undefined, env: {} });
}

describe('schedule configuration', () => {
  it('does not look for SSH (remote) config dirs on the local disk, but still for local ones', () => {
    const cfg = configOf(['--member', 'n1=root@10.0.0.9:/nonexistent/etcd', '--member', 'n2=ssh://root@10.0.0.10/nonexistent/etcd']);
    assert.deepEqual(cfg.run.configs.map((c) => c.remote?.host), ['10.0.0.9', '10.0.0.10']);
    assert.throws(() => configOf(['--member', 'n1=/nonexistent/etcd']), (e: Error) => e instanceof UsageError && /config dir \/nonexistent\/etcd not found/.test(e.message));
  });

  it('caps --stop-timeout below what setTimeout can wait', () => {
    assert.equal(configOf(['--no-config', '--stop-timeout', String(MAX_STOP_TIMEOUT_S)]).stopTimeoutMs, MAX_STOP_TIMEOUT_S * 1000);
    assert.ok(MAX_STOP_TIMEOUT_S * 1000 <= 2 ** 31 - 1);
    // 30 days: above 2^31-1 ms, which setTimeout would turn into an immediate give-up
    assert.throws(() => configOf(['--no-config', '--stop-timeout', '2592000']), (e: Error) => e instanceof UsageError && /--stop-timeout wants at most/.test(e.message));
  });
});
