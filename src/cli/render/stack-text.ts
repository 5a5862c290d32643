/**
 * Human lines about stacks (SPEC v2 "Stack identity", both languages): the server gave a stack another id
 * than its folder's, and the closing check's incomplete stacks ("kitchen g003: 4 of 5 frames").
 */
import { t } from '../i18n/index.js';
import type { ServerCheck } from './types.js';

/** "Schlafzimmer 2 Stack g001 is bedroom g002 in this order (g001 is another stack)." */
export function stackAllocatedText(p: Record<string, string | number>): string {
  return t('stack.allocated', { label: String(p.room_label || p.room_type), folder: p.folder_stack_id, room: p.room_type, stack: p.stack_id });
}

/** The closing check's lines: a heading and one line per incomplete stack; none when all are complete. */
export function incompleteStacksText(check: ServerCheck): string[] {
  const list = check.incomplete_stacks ?? [];
  if (list.length === 0) return [];
  return [
    t('stack.incomplete', { n: list.length }),
    ...list.map(
      (s) =>
        `  ${t('stack.incompleteLine', { room: s.room_type, stack: s.stack_id, registered: s.frames_registered, declared: s.frames_declared })}${
          s.room_label ? ` (${s.room_label})` : ''
        }`,
    ),
  ];
}
