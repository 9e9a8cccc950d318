/**
 * cli.ts — flags for the examples: `--name value` / `--name=value`, else an env var, else a default.
 * Not a general argument parser (no validation, no help text).
 */
/** `--name value` / `--name=value` from argv, else the env var, else the default. */
export function flag(name: string, env: string, dflt: string): string;
export function flag(name: string, env: string, dflt?: string): string | undefined;
export function flag(name: string, env: string, dflt?: string): string | undefined {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}` && i + 1 < argv.length) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return process.env[env] ?? dflt;
}
