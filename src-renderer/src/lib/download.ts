/** Hands a file to the browser's (or Electron's) download handling, with a suggested name. */
export function downloadUrl(url: string, filename: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export function downloadText(text: string, filename: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  downloadUrl(url, filename);
  // The click has started the download by the next tick; the URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
