/**
 * Stack keys stay what the order knows (SPEC v2 "Stack identity": a re-run and a resumed run keep their
 * ids). A stack's content key (src/core/plan/stack-keys.ts) changes when one of its frames changes on disk
 * (an edited JPEG, a file that grew in watch mode) or a frame is added later; the manifest remembers the key
 * each file was sent with, and a stack of the plan whose frames were sent with another key keeps that one,
 * so the server answers with the same stack_id (the changed frame replaces its old version in its stack).
 *
 * Rule per stack of the plan: the remembered key most of its frames carry (ties: the first frame's by path);
 * a remembered key claimed by two stacks of the plan (frames moved between folders) stays with the first
 * stack only, the other keeps its content key.
 */
import type { PlannedFile } from './events.js';
import type { ManifestStore } from './manifest.js';

export function rememberStackKeys(files: PlannedFile[], manifest: Pick<ManifestStore, 'get'>): void {
  const stacks = new Map<string, PlannedFile[]>();
  for (const f of files) {
    if (!f.stack_key) continue;
    const list = stacks.get(f.stack_key) ?? [];
    list.push(f);
    stacks.set(f.stack_key, list);
  }
  const contentKeys = new Set(stacks.keys());
  const taken = new Set<string>();
  const ordered = [...stacks.entries()].sort((a, b) => a[1][0].relPath.localeCompare(b[1][0].relPath));
  for (const [key, frames] of ordered) {
    const votes = new Map<string, number>();
    for (const f of frames) {
      const old = manifest.get(f.relPath)?.stack_key;
      if (old && old !== key) votes.set(old, (votes.get(old) ?? 0) + 1);
    }
    const best = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    // Another stack of this plan has that content key, or claimed it already: keep our own.
    if (!best || taken.has(best) || contentKeys.has(best)) continue;
    taken.add(best);
    for (const f of frames) f.stack_key = best;
  }
}
