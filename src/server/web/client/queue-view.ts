/**
 * The list of upload items (seed 000: name, progress, status, „Erneut versuchen", „Abbrechen"): one `<li>`
 * per item, updated in place. Each row: name, size, a `<progress>` (max = file bytes, value = bytes sent)
 * with the percentage, the status word (wartet… / lädt hoch… / hochgeladen / registriert / fehlgeschlagen),
 * a detail line, and the actions that fit the state: „Abbrechen" while waiting or uploading, „Erneut
 * versuchen" when failed, „Ausblenden" when cancelled. `data-state` / `data-history` carry the state for tests.
 */
import { formatBytes, type Lang } from '../i18n.js';
import { byId, el, type T } from './dom.js';
import type { UploadItem } from './item.js';

export interface QueueViewActions {
  cancel(item: UploadItem): void;
  retry(item: UploadItem): void;
  dismiss(item: UploadItem): void;
}

export class QueueView {
  private readonly rows = new Map<number, HTMLLIElement>();
  private readonly list = byId<HTMLUListElement>('queue');

  constructor(
    private readonly t: T,
    private readonly lang: Lang,
    private readonly actions: QueueViewActions,
  ) {}

  update(item: UploadItem): void {
    let row = this.rows.get(item.id);
    if (!row) {
      row = this.build(item);
      this.rows.set(item.id, row);
      this.list.append(row);
    }
    const t = this.t;
    row.className = `item state-${item.state}`;
    row.dataset.state = item.state;
    row.dataset.history = item.history.join(' ');
    if (item.fileId) row.dataset.fileId = item.fileId;
    const pct = item.file.size > 0 ? Math.floor((item.sent / item.file.size) * 100) : 0;
    const bar = row.querySelector('progress')!;
    bar.max = Math.max(1, item.file.size);
    bar.value = Math.min(item.sent, item.file.size);
    row.querySelector('.item-pct')!.textContent = `${pct} %`;
    row.querySelector('.item-status')!.textContent = t(`state.${item.state}`);
    row.querySelector('.item-detail')!.textContent = item.detail ? t(item.detail.key, item.detail.vars) : '';
    const actions = row.querySelector('.item-actions')!;
    actions.replaceChildren(...this.buttons(item));
  }

  remove(item: UploadItem): void {
    this.rows.get(item.id)?.remove();
    this.rows.delete(item.id);
  }

  private build(item: UploadItem): HTMLLIElement {
    const name = item.file.name;
    const statusId = `item-${item.id}-status`;
    return el(
      'li',
      { class: 'item', 'data-name': name, 'aria-describedby': statusId },
      el('div', { class: 'item-head' },
        el('span', { class: 'item-name', title: name }, name),
        el('span', { class: 'item-size muted' }, formatBytes(item.file.size, this.lang)),
      ),
      el('div', { class: 'item-progress' },
        el('progress', { max: Math.max(1, item.file.size), value: 0, 'aria-label': name }),
        el('span', { class: 'item-pct muted', 'aria-hidden': 'true' }, '0 %'),
      ),
      el('div', { class: 'item-foot' },
        el('span', { class: 'item-status', id: statusId, role: 'status' }),
        el('span', { class: 'item-detail muted' }),
        el('span', { class: 'item-actions' }),
      ),
    );
  }

  private buttons(item: UploadItem): HTMLButtonElement[] {
    const t = this.t;
    const btn = (label: string, cls: string, fn: () => void) => {
      const b = el('button', { type: 'button', class: `btn small ${cls}`, 'aria-label': `${label}: ${item.file.name}` }, label);
      b.addEventListener('click', fn);
      return b;
    };
    switch (item.state) {
      case 'waiting':
      case 'uploading':
        return [btn(t('action.cancel'), 'ghost', () => this.actions.cancel(item))];
      case 'failed':
        return [btn(t('action.retry'), 'secondary', () => this.actions.retry(item))];
      case 'cancelled':
        return [btn(t('action.dismiss'), 'ghost', () => this.actions.dismiss(item))];
      default:
        return [];
    }
  }
}
