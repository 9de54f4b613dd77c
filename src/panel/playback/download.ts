/** Saves a recorded clip as MP4: the datasource's download resource (Editor/Admin), handed to the browser as a file. */
import { type DataSourceSrv, type DataSourceWithBackend, getDataSourceSrv } from '@grafana/runtime';

import type { RecordedClip } from './clips';

export async function downloadClip(clip: RecordedClip, srv: DataSourceSrv = getDataSourceSrv()): Promise<void> {
  if (!clip.datasourceUid || !clip.download) {
    throw new Error('This clip has no download');
  }
  const ds = (await srv.get(clip.datasourceUid)) as DataSourceWithBackend;
  const blob = await ds.getResource<Blob>(clip.download, undefined, { responseType: 'blob', showErrorAlert: false });
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = clip.download.split('/').pop() ?? 'recording.mp4';
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    // The browser has taken the file by now; the URL need not outlive the click.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
