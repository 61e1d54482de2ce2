/**
 * A GET request object as MLflow's query convention wants it: arrays become repeated keys, absent
 * fields are left out, everything else is its string form.
 */
export function toQueryString(request: object): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(request)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue;
      query.append(key, typeof item === "object" ? JSON.stringify(item) : String(item));
    }
  }
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}
