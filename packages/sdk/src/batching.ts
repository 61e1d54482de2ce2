/** Splits `items` into consecutive slices of at most `size`. */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** A record as MLflow's `[{key, value}]` list; non-string values take their string form. */
export function toKeyValues(record: Readonly<Record<string, string | number | boolean>>): {
  key: string;
  value: string;
}[] {
  return Object.entries(record).map(([key, value]) => ({ key, value: String(value) }));
}

/** Reads every page of a paged MLflow listing, following next_page_token until it is absent. */
export async function collectPages<T>(
  fetchPage: (pageToken: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let pageToken: string | undefined;
  do {
    const page = await fetchPage(pageToken);
    if (page.items) all.push(...page.items);
    pageToken = page.next || undefined;
  } while (pageToken !== undefined);
  return all;
}
