// Reading etcdctl's standard input: all of it (put), or line by line (txn, interactive watch).

export async function readAllStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString();
}

/** Lines of stdin; next() gives undefined at EOF (a last line without '\n' counts as EOF, as bufio's ReadString). */
export class LineReader {
  private readonly lines: string[] = [];
  private waiting: ((v: string | undefined) => void) | undefined;
  private ended = false;

  constructor(stdin: NodeJS.ReadableStream) {
    let buf = '';
    stdin.on('data', (c: Buffer | string) => {
      buf += c.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        this.push(buf.slice(0, i + 1));
        buf = buf.slice(i + 1);
      }
    });
    stdin.on('end', () => {
      this.ended = true;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(undefined);
    });
  }

  private push(line: string): void {
    const w = this.waiting;
    if (w) {
      this.waiting = undefined;
      w(line);
    } else this.lines.push(line);
  }

  next(): Promise<string | undefined> {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift());
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((r) => (this.waiting = r));
  }
}
