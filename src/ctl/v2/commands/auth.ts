// user, role and auth (ctlv2/command/user_commands.go, role_commands.go, auth_commands.go) over
// etcd's /v2/auth API. Passwords are read from stdin where etcdctl prompts on the terminal.
import { canonicalPath, type Permission, type V2Client, type V2Role } from '../../../client/v2.js';
import { readAllStdin } from '../../stdin.js';
import type { V2Command, V2Context } from '../cli/app.js';
import type { V2Flag } from '../cli/flags.js';
import { die, mustNewClient, totalTimeout } from '../globals.js';

/** Every auth call fails the same way: the error's text on stderr, exit 1. */
async function call<T>(ctx: V2Context, p: Promise<T>): Promise<T> {
  return p.catch((e: Error) => die(ctx, e.message));
}

async function noArgs(ctx: V2Context): Promise<V2Client> {
  if (ctx.args.length !== 0) die(ctx, 'No arguments accepted');
  return mustNewClient(ctx);
}

async function named(ctx: V2Context, what: 'username' | 'role name'): Promise<[V2Client, string]> {
  if (ctx.args.length !== 1) die(ctx, `Please provide a ${what}`);
  return [await mustNewClient(ctx), ctx.args[0]!];
}

/** speakeasy.Ask: the prompt on stdout, the answer (one line) from stdin. */
async function askPassword(ctx: V2Context, prompt: string): Promise<string> {
  ctx.io.stdout(prompt);
  const line = (await readAllStdin(ctx.io.stdin)).split('\n')[0] ?? '';
  ctx.io.stdout('\n');
  return line;
}

const ROLES_FLAG: V2Flag = { names: ['roles'], kind: 'stringSlice', usage: 'List of roles to grant or revoke' };

function userGrantRevoke(grant: boolean): V2Command {
  return {
    name: grant ? 'grant' : 'revoke',
    usage: grant ? 'grant roles to an etcd user' : 'revoke roles for an etcd user',
    argsUsage: '<user>',
    flags: [ROLES_FLAG],
    async action(ctx) {
      const roles = ctx.flags.slice('roles');
      if (roles.length === 0) die(ctx, 'No roles specified; please use `--roles`');
      const [c, user] = await named(ctx, 'username');
      await call(ctx, c.userChange(user, grant ? { grant: roles } : { revoke: roles }, totalTimeout(ctx)));
      ctx.io.stdout(`User ${user} updated\n`);
    },
  };
}

export const USER_COMMAND: V2Command = {
  name: 'user',
  usage: 'user add, grant and revoke subcommands',
  subcommands: [
    {
      name: 'add',
      usage: 'add a new user for the etcd cluster',
      argsUsage: '<user>',
      async action(ctx) {
        const [c, arg] = await named(ctx, 'username');
        const colon = arg.indexOf(':');
        const user = colon < 0 ? arg : arg.slice(0, colon);
        const pass = colon < 0 ? await askPassword(ctx, 'New password: ') : arg.slice(colon + 1);
        await call(ctx, c.userAdd(user, pass, totalTimeout(ctx)));
        ctx.io.stdout(`User ${user} created\n`);
      },
    },
    {
      name: 'get',
      usage: 'get details for a user',
      argsUsage: '<user>',
      async action(ctx) {
        const [c, name] = await named(ctx, 'username');
        const u = await call(ctx, c.userGet(name, totalTimeout(ctx)));
        ctx.io.stdout(`User: ${u.user}\nRoles: ${u.roles.join(' ')}\n`);
      },
    },
    {
      name: 'list',
      usage: 'list all current users',
      argsUsage: '<user>',
      async action(ctx) {
        const c = await noArgs(ctx);
        for (const u of await call(ctx, c.userList(totalTimeout(ctx)))) ctx.io.stdout(`${u}\n`);
      },
    },
    {
      name: 'remove',
      usage: 'remove a user for the etcd cluster',
      argsUsage: '<user>',
      async action(ctx) {
        const [c, user] = await named(ctx, 'username');
        await call(ctx, c.userRemove(user, totalTimeout(ctx)));
        ctx.io.stdout(`User ${user} removed\n`);
      },
    },
    userGrantRevoke(true),
    userGrantRevoke(false),
    {
      name: 'passwd',
      usage: 'change password for a user',
      argsUsage: '<user>',
      async action(ctx) {
        const [c, user] = await named(ctx, 'username');
        const pass = await askPassword(ctx, 'New password: ');
        await call(ctx, c.userChange(user, { password: pass }, totalTimeout(ctx)));
        ctx.io.stdout('Password updated\n');
      },
    },
  ],
};

function sameRole(a: V2Role, b: V2Role): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function roleGrantRevoke(grant: boolean): V2Command {
  const verb = grant ? 'Grant' : 'Revoke';
  return {
    name: grant ? 'grant' : 'revoke',
    usage: grant ? 'grant path matches to an etcd role' : 'revoke path matches for an etcd role',
    argsUsage: '<role>',
    flags: [
      { names: ['path'], kind: 'string', usage: `Path ${grant ? 'granted' : 'revoked'} for the role to access` },
      { names: ['read'], kind: 'bool', usage: grant ? 'Grant read-only access' : 'Revoke read access' },
      { names: ['write'], kind: 'bool', usage: grant ? 'Grant write-only access' : 'Revoke write access' },
      { names: ['readwrite', 'rw'], kind: 'bool', usage: `${verb} read-write access` },
    ],
    async action(ctx) {
      const path = ctx.flags.string('path');
      if (path === '') die(ctx, 'No path specified; please use `--path`');
      if (canonicalPath(path) !== path) die(ctx, `Not canonical path; please use \`--path=${canonicalPath(path)}\``);
      const picked = (['read', 'write', 'readwrite'] as const).filter((p) => ctx.flags.bool(p));
      if (picked.length !== 1) die(ctx, 'Please specify exactly one of --read, --write or --readwrite');
      const perm: Permission = picked[0]!;
      const [c, role] = await named(ctx, 'role name');
      const signal = totalTimeout(ctx);
      const current = await call(ctx, c.roleGet(role, signal));
      const next = await call(ctx, c.roleChange(role, grant, [path], perm, signal));
      if (sameRole(current, next)) ctx.io.stdout(grant ? 'Role unchanged; already granted' : 'Role unchanged; already revoked');
      ctx.io.stdout(`Role ${role} updated\n`);
    },
  };
}

export const ROLE_COMMAND: V2Command = {
  name: 'role',
  usage: 'role add, grant and revoke subcommands',
  subcommands: [
    {
      name: 'add',
      usage: 'add a new role for the etcd cluster',
      argsUsage: '<role> ',
      async action(ctx) {
        const [c, role] = await named(ctx, 'role name');
        const signal = totalTimeout(ctx);
        const exists = await c.roleGet(role, signal).then(
          () => true,
          () => false,
        );
        if (exists) die(ctx, `Role ${role} already exists`);
        await call(ctx, c.roleAdd(role, signal));
        ctx.io.stdout(`Role ${role} created\n`);
      },
    },
    {
      name: 'get',
      usage: 'get details for a role',
      argsUsage: '<role>',
      async action(ctx) {
        const [c, name] = await named(ctx, 'role name');
        const r = await call(ctx, c.roleGet(name, totalTimeout(ctx)));
        const lines = (xs: string[] | null) => (xs ?? []).map((x) => `\t${x}\n`).join('');
        ctx.io.stdout(`Role: ${r.role}\nKV Read:\n${lines(r.permissions.kv.read)}KV Write:\n${lines(r.permissions.kv.write)}`);
      },
    },
    {
      name: 'list',
      usage: 'list all roles',
      argsUsage: ' ',
      async action(ctx) {
        const c = await noArgs(ctx);
        for (const r of await call(ctx, c.roleList(totalTimeout(ctx)))) ctx.io.stdout(`${r}\n`);
      },
    },
    {
      name: 'remove',
      usage: 'remove a role from the etcd cluster',
      argsUsage: '<role>',
      async action(ctx) {
        const [c, role] = await named(ctx, 'role name');
        await call(ctx, c.roleRemove(role, totalTimeout(ctx)));
        ctx.io.stdout(`Role ${role} removed\n`);
      },
    },
    roleGrantRevoke(true),
    roleGrantRevoke(false),
  ],
};

function authToggle(enable: boolean): V2Command {
  return {
    name: enable ? 'enable' : 'disable',
    usage: enable ? 'enable auth access controls' : 'disable auth access controls',
    argsUsage: ' ',
    async action(ctx) {
      const c = await noArgs(ctx);
      await call(ctx, c.authEnable(enable, totalTimeout(ctx)));
      ctx.io.stdout(enable ? 'Authentication Enabled\n' : 'Authentication Disabled\n');
    },
  };
}

export const AUTH_COMMAND: V2Command = {
  name: 'auth',
  usage: 'overall auth controls',
  subcommands: [authToggle(true), authToggle(false)],
};
