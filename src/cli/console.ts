// `scriptlet console <socket|conf> [command...]`: talks to a running
// `scriptlet serve` on its control socket. With a command, sends it and
// prints the answer; without, reads commands from stdin, one per line.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { ConfigError } from '../config/errors.js';
import { parseConfigFile } from '../config/read.js';
import { readServeSettings, serveLocations } from '../server/listener-config.js';
import { AnswerReader } from '../server/console-protocol.js';
import type { ConsoleAnswer } from '../server/console-commands.js';
import { formatProblems } from './check-report.js';
import { EXIT_OK, EXIT_PROBLEMS, type Command } from './command.js';
import type { CliIo } from './io.js';
import { usageError } from './options.js';

const USAGE = `usage: scriptlet console <socket|conf> [command...]

Sends console commands to a running 'scriptlet serve'. The first argument
is its control socket, or its configuration file: the socket is then the
one 'scriptlet serve <conf>' listens on (Control_Listener, else
SPOOL/control.sock, SPOOL being spool_dir or the spool directory beside
the configuration file). With a command, runs it and exits; without,
reads commands from stdin, one per line.

commands:
  config get scriptlet scriptlet [OPTION]
  config set scriptlet scriptlet OPTION VALUE    (until restart)
  config reload                                  (re-read the scripts)
  scriptlet stats
  shutdown                                       (drain and stop the server)

Exit status: 0 when every command succeeded; 1 when one failed or the
server could not be reached; 2 on a usage error.
`;

/** The socket a console argument names: a socket itself, or the one `scriptlet serve <conf>` listens on. */
function socketPath(arg: string): string {
  const stat = fs.statSync(arg, { throwIfNoEntry: false });
  if (!stat?.isFile()) return arg;
  return serveLocations(arg, readServeSettings(parseConfigFile(arg))).controlSocket;
}

/** A connection that answers commands in order. */
class ConsoleClient {
  readonly #socket: net.Socket;
  readonly #waiting: ((a: ConsoleAnswer) => void)[] = [];
  readonly #reader = new AnswerReader();
  #closed = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    readline.createInterface({ input: socket, crlfDelay: Infinity }).on('line', (line) => {
      const answer = this.#reader.push(line);
      if (answer) this.#waiting.shift()?.(answer);
    });
    socket.on('close', () => {
      this.#closed = true;
      for (const w of this.#waiting.splice(0)) w({ ok: false, error: 'the server closed the control connection' });
    });
  }

  static connect(socketPath: string): Promise<ConsoleClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      socket.once('connect', () => resolve(new ConsoleClient(socket)));
      socket.once('error', (err) => reject(new Error(`cannot reach the server on ${socketPath}: ${err.message}`)));
    });
  }

  send(command: string): Promise<ConsoleAnswer> {
    if (this.#closed) return Promise.resolve({ ok: false, error: 'the server closed the control connection' });
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#socket.write(`${command}\n`);
    });
  }

  close(): void {
    this.#socket.end();
  }
}

function print(answer: ConsoleAnswer, io: CliIo): boolean {
  if (answer.ok) io.stdout.write(answer.lines.map((l) => `${l}\n`).join(''));
  else io.stderr.write(`error: ${answer.error}\n`);
  return answer.ok;
}

export const consoleCommand: Command = {
  name: 'console',
  summary: "send console commands to a running 'scriptlet serve'",
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    if (args[0] === '-h' || args[0] === '--help') {
      io.stdout.write(USAGE);
      return EXIT_OK;
    }
    if (args.length === 0) return usageError(io, 'console', USAGE, 'expected a control socket or a configuration file');
    let client: ConsoleClient;
    try {
      client = await ConsoleClient.connect(socketPath(path.resolve(io.cwd, args[0]!)));
    } catch (err) {
      if (err instanceof ConfigError) io.stderr.write(formatProblems(err.problems, io.cwd));
      else io.stderr.write(`scriptlet console: ${(err as Error).message}\n`);
      return EXIT_PROBLEMS;
    }
    try {
      if (args.length > 1) return print(await client.send(args.slice(1).join(' ')), io) ? EXIT_OK : EXIT_PROBLEMS;
      let status = EXIT_OK;
      const interactive = process.stdin.isTTY === true;
      const rl = readline.createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, prompt: 'scriptlet> ', terminal: interactive });
      if (interactive) rl.prompt();
      for await (const line of rl) {
        const command = line.trim();
        if (command === 'quit' || command === 'exit') break;
        if (command !== '' && !print(await client.send(command), io)) status = EXIT_PROBLEMS;
        if (interactive) rl.prompt();
      }
      rl.close();
      return status;
    } finally {
      client.close();
    }
  },
};
