/**
 * The engine's side of SPEC v2 "Stack identity" and "Changed files":
 * - `stackFields`: what an intent says about the file's stack (stack_key, stack_frames, room_label);
 * - `StackIds.apply`: the stack_id the server allocated becomes the file's (events, manifest, summary), and
 *   when it is not the folder's a STACK_ID_ALLOCATED warning is emitted once per stack;
 * - `finalizeReplacing`: finalize with `replaces` (the registered earlier version); when the server refuses
 *   that field (400 naming "replaces": the old version was deleted or superseded meanwhile) the file is
 *   registered without it rather than failed.
 */
import type { FinalizeResponse, IntentRequest } from '../../contract/api.js';
import { isApiError } from '../../api/errors.js';
import type { EngineEvent, PlannedFile } from './events.js';

export function stackFields(f: PlannedFile): Pick<IntentRequest, 'stack_key' | 'stack_frames' | 'room_label'> {
  return {
    ...(f.stack_key ? { stack_key: f.stack_key } : {}),
    ...(f.stack_frames ? { stack_frames: f.stack_frames } : {}),
    ...(f.room_label ? { room_label: f.room_label } : {}),
  };
}

export class StackIds {
  private readonly announced = new Set<string>();

  /**
   * Gives `f` the allocated `stackId`; emits STACK_ID_ALLOCATED the first time its stack differs from its
   * folder's. `announce` false: the id of content already in the order (a duplicate may sit in another stack).
   */
  apply(f: PlannedFile, stackId: string, emit: (e: EngineEvent) => void, announce = true): void {
    f.folder_stack_id ??= f.stack_id;
    f.stack_id = stackId;
    if (!announce || stackId === f.folder_stack_id) return;
    const stack = `${f.shoot.root}\0${f.shoot.orderId}\0${f.stack_key ?? `${f.room_type}\0${f.room_label ?? ''}\0${f.folder_stack_id}`}`;
    if (this.announced.has(stack)) return;
    this.announced.add(stack);
    emit({
      type: 'warning',
      file: f,
      code: 'STACK_ID_ALLOCATED',
      detail: `${f.room_label ?? f.room_type} ${f.folder_stack_id} is ${f.room_type}/${stackId} in order ${f.shoot.orderId} (${f.folder_stack_id} belongs to another stack)`,
      params: { room_type: f.room_type, room_label: f.room_label ?? '', folder_stack_id: f.folder_stack_id, stack_id: stackId },
    });
  }
}

export async function finalizeReplacing(
  finalize: (replaces: string | undefined) => Promise<FinalizeResponse>,
  replaces: string | undefined,
): Promise<FinalizeResponse> {
  try {
    return await finalize(replaces);
  } catch (err) {
    const field = isApiError(err) ? (err.details as { field?: unknown } | undefined)?.field : undefined;
    if (replaces && isApiError(err) && err.status === 400 && field === 'replaces') return finalize(undefined);
    throw err;
  }
}
