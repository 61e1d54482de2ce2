/** A store URI fit for printing: a password in it (postgresql://user:secret@host/db) is masked. */
export function redactCredentials(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.password === "") return uri;
    url.password = "***";
    return url.toString();
  } catch {
    return uri;
  }
}
