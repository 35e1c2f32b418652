// auth enable/disable, user and role commands (auth_command.go, user_command.go, role_command.go).
import type { V3Client } from '../../client/v3.js';
import { Permission_Type } from '../../proto/auth/authpb/auth.js';
import { CtlError, ExitCode, type CommandSpec, type RunContext } from '../cli/command.js';
import { clientFor, commandDeadline, must, printerFor } from '../globals.js';
import { prefixRangeEnd } from '../keys.js';
import { LineReader } from '../stdin.js';

async function withClient<T>(ctx: RunContext, fn: (c: V3Client) => Promise<T>): Promise<T> {
  const c = await clientFor(ctx);
  try {
    return await must(fn(c));
  } finally {
    c.close();
  }
}

function needArgs(ctx: RunContext, ok: boolean, msg: string): void {
  if (!ok) throw new CtlError(msg, ExitCode.badArgs);
}

/**
 * The password prompts of etcdctl (speakeasy): the prompt on stdout, the answer read from
 * stdin without echo. Twice, and both must agree.
 */
async function readPasswordInteractive(ctx: RunContext, name: string): Promise<string> {
  const r = new LineReader(ctx.io.stdin);
  const ask = async (prompt: string) => {
    ctx.io.stdout(prompt);
    const line = (await r.next()) ?? '';
    ctx.io.stdout('\n');
    return line.replace(/\r?\n$/, '');
  };
  const p1 = await ask(`Password of ${name}: `);
  if (p1.length === 0) throw new CtlError('empty password', ExitCode.badArgs);
  const p2 = await ask(`Type password of ${name} again for confirmation: `);
  if (p1 !== p2) throw new CtlError('given passwords are different', ExitCode.badArgs);
  return p1;
}

/** fmt.Scanf("%s"): the first whitespace-separated word of stdin. */
async function scanWord(ctx: RunContext): Promise<string> {
  const line = (await new LineReader(ctx.io.stdin).next()) ?? '';
  return line.trim().split(/\s+/)[0] ?? '';
}

const userCommand: CommandSpec = {
  name: 'user',
  use: 'user <subcommand>',
  short: 'User related commands',
  subcommands: [
    {
      name: 'add',
      use: 'add <user name or user:password> [options]',
      short: 'Adds a new user',
      flags: [
        { name: 'interactive', kind: 'bool', def: true, usage: 'Read password from stdin instead of interactive terminal' },
        { name: 'new-user-password', kind: 'string', usage: 'Supply password from the command line flag' },
        { name: 'no-password', kind: 'bool', usage: 'Create a user without password (CN based auth only)' },
      ],
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 1, 'user add command requires user name as its argument');
        const arg = ctx.args[0]!;
        let user = arg;
        let password = '';
        const noPassword = ctx.flags.bool('no-password');
        if (!noPassword) {
          if (ctx.flags.str('new-user-password') !== '') password = ctx.flags.str('new-user-password');
          else if (arg.includes(':')) {
            user = arg.slice(0, arg.indexOf(':'));
            password = arg.slice(arg.indexOf(':') + 1);
            if (user.length === 0) throw new CtlError('empty user name is not allowed', ExitCode.badArgs);
          } else password = ctx.flags.bool('interactive') ? await readPasswordInteractive(ctx, arg) : await scanWord(ctx);
        }
        const resp = await withClient(ctx, (c) => c.unary('auth', 'userAdd', { name: user, password, options: { no_password: noPassword } }, { deadline: commandDeadline(ctx) }));
        printerFor(ctx).userAdd(user, resp);
      },
    },
    {
      name: 'delete',
      use: 'delete <user name>',
      short: 'Deletes a user',
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 1, 'user delete command requires user name as its argument');
        const resp = await withClient(ctx, (c) => c.unary('auth', 'userDelete', { name: ctx.args[0]! }, { deadline: commandDeadline(ctx) }));
        printerFor(ctx).userDelete(ctx.args[0]!, resp);
      },
    },
    {
      name: 'get',
      use: 'get <user name> [options]',
      short: 'Gets detailed information of a user',
      flags: [{ name: 'detail', kind: 'bool', usage: 'Show permissions of roles granted to the user' }],
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 1, 'user get command requires user name as its argument');
        const name = ctx.args[0]!;
        await withClient(ctx, async (c) => {
          const resp = await c.unary('auth', 'userGet', { name }, { deadline: commandDeadline(ctx) });
          const p = printerFor(ctx);
          if (!ctx.flags.bool('detail')) {
            p.userGet(name, resp);
            return;
          }
          ctx.io.stdout(`User: ${name}\n`);
          for (const role of resp.roles) {
            ctx.io.stdout('\n');
            p.roleGet(role, await c.unary('auth', 'roleGet', { role }, { deadline: commandDeadline(ctx) }));
          }
        });
      },
    },
    {
      name: 'list',
      use: 'list',
      short: 'Lists all users',
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 0, 'user list command requires no arguments');
        printerFor(ctx).userList(await withClient(ctx, (c) => c.unary('auth', 'userList', {}, { deadline: commandDeadline(ctx) })));
      },
    },
    {
      name: 'passwd',
      use: 'passwd <user name> [options]',
      short: 'Changes password of user',
      flags: [{ name: 'interactive', kind: 'bool', def: true, usage: 'If true, read password from stdin instead of interactive terminal' }],
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 1, 'user passwd command requires user name as its argument');
        const password = ctx.flags.bool('interactive') ? await readPasswordInteractive(ctx, ctx.args[0]!) : await scanWord(ctx);
        const resp = await withClient(ctx, (c) => c.unary('auth', 'userChangePassword', { name: ctx.args[0]!, password }, { deadline: commandDeadline(ctx) }));
        printerFor(ctx).userChangePassword(resp);
      },
    },
    {
      name: 'grant-role',
      use: 'grant-role <user name> <role name>',
      short: 'Grants a role to a user',
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 2, 'user grant command requires user name and role name as its argument');
        const [user, role] = ctx.args as [string, string];
        printerFor(ctx).userGrantRole(user, role, await withClient(ctx, (c) => c.unary('auth', 'userGrantRole', { user, role }, { deadline: commandDeadline(ctx) })));
      },
    },
    {
      name: 'revoke-role',
      use: 'revoke-role <user name> <role name>',
      short: 'Revokes a role from a user',
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 2, 'user revoke-role requires user name and role name as its argument');
        const [name, role] = ctx.args as [string, string];
        printerFor(ctx).userRevokeRole(name, role, await withClient(ctx, (c) => c.unary('auth', 'userRevokeRole', { name, role }, { deadline: commandDeadline(ctx) })));
      },
    },
  ],
};

/** Key and range end of a permission from `<key> [endkey]` and --prefix/--from-key (role_command.go permRange). */
function permRange(ctx: RunContext, args: string[]): [string, string] {
  const prefix = ctx.flags.bool('prefix');
  const fromKey = ctx.flags.bool('from-key');
  const key = args[0]!;
  if (key.length === 0) {
    if (prefix && fromKey) throw new CtlError('--from-key and --prefix flags are mutually exclusive', ExitCode.badArgs);
    // The empty prefix covers the whole key space: ["\x00", "\x00") is open ended on the server.
    return ['\x00', prefix || fromKey ? '\x00' : ''];
  }
  if (args.length === 1) {
    if (prefix) {
      if (fromKey) throw new CtlError('--from-key and --prefix flags are mutually exclusive', ExitCode.badArgs);
      return [key, prefixRangeEnd(Buffer.from(key)).toString('latin1')];
    }
    return [key, fromKey ? '\x00' : ''];
  }
  if (prefix) throw new CtlError('unexpected endkey argument with --prefix flag', ExitCode.badArgs);
  if (fromKey) throw new CtlError('unexpected endkey argument with --from-key flag', ExitCode.badArgs);
  return [key, args[1]!];
}

const bytes = (s: string) => (/^[\x00-\xff]*$/.test(s) && /[\x80-\xff]/.test(s) ? Buffer.from(s, 'latin1') : Buffer.from(s));

const roleCommand: CommandSpec = {
  name: 'role',
  use: 'role <subcommand>',
  short: 'Role related commands',
  subcommands: [
    {
      name: 'add',
      use: 'add <role name>',
      short: 'Adds a new role',
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 1, 'role add command requires role name as its argument');
        printerFor(ctx).roleAdd(ctx.args[0]!, await withClient(ctx, (c) => c.unary('auth', 'roleAdd', { name: ctx.args[0]! }, { deadline: commandDeadline(ctx) })));
      },
    },
    {
      name: 'delete',
      use: 'delete <role name>',
      short: 'Deletes a role',
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 1, 'role delete command requires role name as its argument');
        printerFor(ctx).roleDelete(ctx.args[0]!, await withClient(ctx, (c) => c.unary('auth', 'roleDelete', { role: ctx.args[0]! }, { deadline: commandDeadline(ctx) })));
      },
    },
    {
      name: 'get',
      use: 'get <role name>',
      short: 'Gets detailed information of a role',
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 1, 'role get command requires role name as its argument');
        printerFor(ctx).roleGet(ctx.args[0]!, await withClient(ctx, (c) => c.unary('auth', 'roleGet', { role: ctx.args[0]! }, { deadline: commandDeadline(ctx) })));
      },
    },
    {
      name: 'list',
      use: 'list',
      short: 'Lists all roles',
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 0, 'role list command requires no arguments');
        printerFor(ctx).roleList(await withClient(ctx, (c) => c.unary('auth', 'roleList', {}, { deadline: commandDeadline(ctx) })));
      },
    },
    {
      name: 'grant-permission',
      use: 'grant-permission [options] <role name> <permission type> <key> [endkey]',
      short: 'Grants a key to a role',
      flags: [
        { name: 'prefix', kind: 'bool', usage: 'grant a prefix permission' },
        { name: 'from-key', kind: 'bool', usage: 'grant a permission of keys that are greater than or equal to the given key using byte compare' },
      ],
      async run(ctx) {
        needArgs(ctx, ctx.args.length >= 3, 'role grant command requires role name, permission type, and key [endkey] as its argument');
        const permType = (Permission_Type as unknown as Record<string, number>)[ctx.args[1]!.toUpperCase()];
        if (permType === undefined || ctx.args[1]!.toUpperCase() === 'UNRECOGNIZED') throw new CtlError(`invalid permission type: ${ctx.args[1]}`, ExitCode.badArgs);
        const [key, end] = permRange(ctx, ctx.args.slice(2));
        const resp = await withClient(ctx, (c) =>
          c.unary('auth', 'roleGrantPermission', { name: ctx.args[0]!, perm: { permType, key: bytes(key), range_end: bytes(end) } }, { deadline: commandDeadline(ctx) }),
        );
        printerFor(ctx).roleGrantPermission(ctx.args[0]!, resp);
      },
    },
    {
      name: 'revoke-permission',
      use: 'revoke-permission <role name> <key> [endkey]',
      short: 'Revokes a key from a role',
      flags: [
        { name: 'prefix', kind: 'bool', usage: 'revoke a prefix permission' },
        { name: 'from-key', kind: 'bool', usage: 'revoke a permission of keys that are greater than or equal to the given key using byte compare' },
      ],
      async run(ctx) {
        needArgs(ctx, ctx.args.length >= 2, 'role revoke-permission command requires role name and key [endkey] as its argument');
        const [key, end] = permRange(ctx, ctx.args.slice(1));
        const resp = await withClient(ctx, (c) => c.unary('auth', 'roleRevokePermission', { role: ctx.args[0]!, key: bytes(key), range_end: bytes(end) }, { deadline: commandDeadline(ctx) }));
        printerFor(ctx).roleRevokePermission(ctx.args[0]!, ctx.args[1]!, end, resp);
      },
    },
  ],
};

const authCommand: CommandSpec = {
  name: 'auth',
  use: 'auth <enable or disable>',
  short: 'Enable or disable authentication',
  subcommands: [
    {
      name: 'enable',
      use: 'enable',
      short: 'Enables authentication',
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 0, 'auth enable command does not accept any arguments');
        await withClient(ctx, async (c) => {
          const deadline = commandDeadline(ctx);
          // etcdctl creates the root role (granted to root) when the server asks for it.
          for (;;) {
            try {
              await c.unary('auth', 'authEnable', {}, { deadline });
              return;
            } catch (err) {
              if ((err as { details?: string }).details !== 'etcdserver: root user does not have root role') throw err;
              await c.unary('auth', 'roleAdd', { name: 'root' }, { deadline });
              await c.unary('auth', 'userGrantRole', { user: 'root', role: 'root' }, { deadline });
            }
          }
        });
        ctx.io.stdout('Authentication Enabled\n');
      },
    },
    {
      name: 'disable',
      use: 'disable',
      short: 'Disables authentication',
      async run(ctx) {
        needArgs(ctx, ctx.args.length === 0, 'auth disable command does not accept any arguments');
        await withClient(ctx, (c) => c.unary('auth', 'authDisable', {}, { deadline: commandDeadline(ctx) }));
        ctx.io.stdout('Authentication Disabled\n');
      },
    },
  ],
};

export { authCommand, userCommand, roleCommand };
