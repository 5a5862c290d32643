/**
 * Child of the manifest journal test (test/core/manifest-journal.test.ts), bundled with esbuild at test time:
 * opens the manifest at argv[2] and writes entries `f<i>.jpg` (i = 0, 1, …) for ever, flushing every
 * argv[3] entries and printing `flushed <n>` after each flush (n entries are then on disk), until killed.
 */
import { ManifestStore } from '../../../src/core/transfer/manifest.js';

const [file, every] = [process.argv[2], Number(process.argv[3])];
const { store } = await ManifestStore.open(file, { root: '/r', orderId: 'O', apiUrl: 'http://x' });
for (let i = 0; ; i++) {
  store.set(`f${i}.jpg`, { bytes: i + 1, mtime_ms: 1, checksum: 'c'.repeat(64), state: 'pending', room_type: 'kitchen', stack_id: 'g001', attempts: 0, updated_at: '' });
  if (i > 0) store.patch(`f${i - 1}.jpg`, { state: 'registered', file_id: `id-${i - 1}` });
  if ((i + 1) % every === 0) {
    await store.flush();
    process.stdout.write(`flushed ${i + 1}\n`);
  }
}
