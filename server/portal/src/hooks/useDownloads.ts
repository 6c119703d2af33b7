import { api } from '../api/client';
import { useLoad } from './useLoad';

/** What the bank publishes for self-install (installers, store links): public, read once per page. */
export function useDownloads() {
  return useLoad((signal) => api.call('downloads', { signal }));
}
