// Keeps object URLs of key-guarded images (heatmap thumbnails/overlays) so a 2 s poll does not refetch images it
// already shows, and revokes the ones that are no longer on screen (object URLs otherwise leak memory).

import { imageUrl } from './api.js';

export function createImageCache() {
  const urls = new Map(); // path -> Promise<objectURL>
  return {
    /** Object URL for `path` (fetched once with the key). */
    get(path) {
      if (!urls.has(path)) {
        const pending = imageUrl(path);
        pending.catch(() => urls.delete(path)); // a failed fetch is retried on the next poll
        urls.set(path, pending);
      }
      return urls.get(path);
    },
    /** Revokes every cached URL whose path is not in `keep`. */
    retain(keep) {
      for (const [path, pending] of urls) {
        if (!keep.has(path)) {
          urls.delete(path);
          pending.then(URL.revokeObjectURL, () => {});
        }
      }
    },
    clear() { this.retain(new Set()); },
  };
}

/** An <img> whose src is filled in once the guarded image has loaded. */
export function guardedImage(cache, path, attrs) {
  const img = document.createElement('img');
  Object.assign(img, attrs);
  img.loading = 'lazy';
  cache.get(path).then(url => { img.src = url; }, () => { img.alt = 'heatmap unavailable'; img.classList.add('broken'); });
  return img;
}
