/**
 * JSON.parse keeps the last of two equal keys, so `{"id":1,"id":2}` would be read
 * differently by different systems. After JSON.parse has accepted the text, this walks it
 * once more and reports the first object that repeats a key.
 */
export function findDuplicateKey(text: string): string | undefined {
  const frames: { keys: Set<string> | undefined; expectKey: boolean }[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      const end = endOfString(text, i);
      const top = frames[frames.length - 1];
      if (top?.keys !== undefined && top.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (ch === '{') frames.push({ keys: new Set(), expectKey: true });
    else if (ch === '[') frames.push({ keys: undefined, expectKey: false });
    else if (ch === '}' || ch === ']') frames.pop();
    else if (ch === ',') {
      const top = frames[frames.length - 1];
      if (top?.keys !== undefined) top.expectKey = true;
    }
    i += 1;
  }
  return undefined;
}

function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === '"') return i;
    else i += 1;
  }
  return text.length - 1;
}
