/**
 * `#terminal`: a command's raw terminal output as plain text — escape sequences (colours, cursor
 * moves, shell-integration marks) removed, carriage-return overwrites resolved (progress bars keep
 * their last state), and only the end kept when it is long (the end holds the error).
 */

/** Most lines / characters of output kept (the end). */
export const TERMINAL_MAX_LINES = 200;
export const TERMINAL_MAX_CHARS = 20_000;

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), other two-character escapes, and C1 CSI.
const ESCAPES =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][\s\S]*?(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;

/** Output without escape sequences; `\r` overwrites resolved line by line; other controls dropped. */
export function cleanTerminalOutput(raw: string): string {
  const text = raw.replace(ESCAPES, '').replace(/\r\n/g, '\n');
  const lines = text.split('\n').map((line) => {
    if (!line.includes('\r')) return line;
    // What a terminal shows after carriage returns: each part overwrites the start of the line.
    let shown = '';
    for (const part of line.split('\r')) shown = part + shown.slice(part.length);
    return shown;
  });
  // eslint-disable-next-line no-control-regex
  return lines.join('\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

export interface TrimmedOutput {
  readonly text: string;
  /** Lines left out at the start. */
  readonly leftOutLines: number;
}

/** The last `maxLines` lines and at most `maxChars` characters of `text` (trailing blank lines dropped). */
export function tailOfOutput(
  text: string,
  maxLines: number = TERMINAL_MAX_LINES,
  maxChars: number = TERMINAL_MAX_CHARS,
): TrimmedOutput {
  const lines = text.replace(/\s+$/, '').split('\n');
  if (lines.length === 1 && lines[0] === '') return { text: '', leftOutLines: 0 };
  let start = Math.max(0, lines.length - maxLines);
  let chars = 0;
  for (let index = lines.length - 1; index >= start; index--) {
    chars += (lines[index] ?? '').length + 1;
    if (chars > maxChars) {
      start = index + 1;
      break;
    }
  }
  // A single line longer than maxChars: keep its end.
  if (start >= lines.length) return { text: (lines.at(-1) ?? '').slice(-maxChars), leftOutLines: lines.length - 1 };
  return { text: lines.slice(start).join('\n'), leftOutLines: start };
}

/** The attachment text for a finished command. */
export function formatTerminalCommand(command: {
  readonly commandLine: string;
  readonly output: string;
  readonly exitCode: number | undefined;
  readonly cwd?: string;
}): string {
  const { text, leftOutLines } = tailOfOutput(cleanTerminalOutput(command.output));
  const lines = [`$ ${command.commandLine.trim()}`];
  if (command.cwd) lines.unshift(`(in ${command.cwd})`);
  if (leftOutLines > 0)
    lines.push(`… ${leftOutLines} earlier ${leftOutLines === 1 ? 'line' : 'lines'} of output left out …`);
  lines.push(text === '' ? '(no output)' : text);
  lines.push(command.exitCode === undefined ? '(exit code unknown)' : `(exit code ${command.exitCode})`);
  return lines.join('\n');
}
