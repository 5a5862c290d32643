/**
 * Stable stack ids for frames without a stack folder (SPEC "Folder layout": "brackets are grouped from
 * EXIF"). Frames may arrive all at once (upload) or a few at a time (watch): each call groups the room's
 * earlier frames together with the new ones, so a bracket that spans two arrivals keeps one stack id,
 * and ids already given out never change.
 */
import type { ExifMeta } from '../../contract/api.js';
import { stackName } from '../../contract/stack-id.js';
import { groupBrackets } from './brackets.js';

interface Frame {
  relPath: string;
  meta: ExifMeta;
  stack_id?: string;
}

/** SPEC: stack ids look like g003 (the contract's format, shared with the server). */
export { stackName } from '../../contract/stack-id.js';

export class StackAssigner {
  private readonly framesByRoom = new Map<string, Frame[]>();
  private readonly usedByRoom = new Map<string, Set<string>>();

  constructor(private readonly gapMs?: number) {}

  /** Marks a stack id of a room as taken (e.g. by a stack folder), so grouped stacks do not reuse it. */
  reserve(room: string, stackId: string): void {
    this.used(room).add(stackId);
  }

  /**
   * Gives each new frame of `room` a stack id: that of an earlier frame in its bracket, else the next
   * free `gNNN` of the room. Returns the ids in the order of `frames`. Frames are grouped within `scope`
   * (default: the room) — the CLI passes the room folder, so two folders of one room type ("Schlafzimmer 1",
   * "Schlafzimmer 2") never share a bracket (issue 10), while their ids stay unique in the room type.
   */
  assign(room: string, frames: { relPath: string; meta: ExifMeta }[], scope: string = room): string[] {
    const known = this.framesByRoom.get(scope) ?? [];
    const fresh: Frame[] = frames.map((f) => ({ relPath: f.relPath, meta: f.meta }));
    const all = [...known, ...fresh];
    const used = this.used(room);
    let next = 1;
    for (const group of groupBrackets(all, { gapMs: this.gapMs })) {
      const id = group.find((g) => g.stack_id)?.stack_id ?? this.nextFree(used, () => next++);
      for (const g of group) if (!g.stack_id) g.stack_id = id;
      used.add(id);
    }
    this.framesByRoom.set(scope, all);
    return fresh.map((f) => f.stack_id!);
  }

  private nextFree(used: Set<string>, counter: () => number): string {
    for (;;) {
      const id = stackName(counter());
      if (!used.has(id)) return id;
    }
  }

  private used(room: string): Set<string> {
    let s = this.usedByRoom.get(room);
    if (!s) this.usedByRoom.set(room, (s = new Set()));
    return s;
  }
}
