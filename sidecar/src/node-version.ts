/**
 * The oldest Node the sidecar and the relay run on: 22.13, where Node's built-in SQLite (the
 * history's owner lock, store/lock.ts) is no longer behind a flag. Node 20's support ended in
 * April 2026. The launcher (launcher/gpx_tapo.sh), `engines` and the bundle's target say the same;
 * a test keeps them in step.
 */
export const MIN_NODE = { major: 22, minor: 13 } as const;

/** Why `version` ("22.13.0", "v20.19.1") is too old for `who` to run on, or null when it is not. */
export function nodeVersionProblem(who = 'the Tapo sidecar', version: string = process.versions.node): string | null {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  if (major! > MIN_NODE.major || (major === MIN_NODE.major && minor! >= MIN_NODE.minor)) {
    return null;
  }
  return `${who} needs Node ${MIN_NODE.major}.${MIN_NODE.minor} or later; this is Node ${version.replace(/^v/, '')}: install a current Node (or set node_path in [plugin.camwatch-tapo-datasource] to one)`;
}
