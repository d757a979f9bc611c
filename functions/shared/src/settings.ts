/** Reads one app setting by name; in Azure this is `process.env`, a host may refresh it at any time. */
export type SettingsSource = (name: string) => string | undefined;

/** Thrown at start-up when a setting is missing or malformed; names the setting, never its value. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

export function requireSetting(settings: SettingsSource, name: string): string {
  const value = settings(name);
  if (value === undefined || value.trim() === '') {
    throw new SettingsError(`Missing required app setting ${name}`);
  }
  return value;
}

export function settingOrDefault(settings: SettingsSource, name: string, fallback: string): string {
  const value = settings(name);
  return value === undefined || value.trim() === '' ? fallback : value;
}

export function positiveIntegerSetting(settings: SettingsSource, name: string, fallback: number): number {
  const raw = settings(name);
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new SettingsError(`App setting ${name} must be a positive integer`);
  }
  return value;
}

export function absoluteHttpUrlSetting(settings: SettingsSource, name: string): string {
  const raw = requireSetting(settings, name);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SettingsError(`App setting ${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SettingsError(`App setting ${name} must be an absolute http(s) URL`);
  }
  return raw.replace(/\/+$/, '');
}
