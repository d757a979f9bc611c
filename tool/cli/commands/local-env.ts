import { Argument, type Command } from 'commander';
import { chmod, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AUDIT_API_SETTINGS, PATIENT_API_SETTINGS } from '../../../contracts/app-settings';
import { APP_NAMES, type AppName } from '../../../contracts/apps';
import { AUDIT_DATABASE, PATIENTS_DATABASE } from '../../../contracts/collections';
import { HOST_KEY_SECRET, SECRETS, type SecretName } from '../../../contracts/secrets';
import { LocalStackError } from '../../errors';
import type { CliDeps, LocalStackApi } from '../deps';
import { reporterFor } from './common';

/** Where an app setting's local value comes from: the stack's Key Vault, the running stack's URLs, or the value the program declares. */
export type Source = { secret: SecretName } | { stackUrl: 'auditApiUrl' } | { declared: string };

type SettingName<T> = T[keyof T] & string;

/** Every setting of the contract, each with its source, as stacks/program.ts declares them on the sites. */
export const LOCAL_SETTING_SOURCES: Record<AppName, Record<string, Source>> = {
  'patient-api': {
    [PATIENT_API_SETTINGS.auditApiUrl]: { stackUrl: 'auditApiUrl' },
    [PATIENT_API_SETTINGS.auditApiKey]: { secret: HOST_KEY_SECRET['audit-api'] },
    [PATIENT_API_SETTINGS.auditTimeoutMs]: { declared: '5000' },
    [PATIENT_API_SETTINGS.databaseConnection]: { secret: SECRETS.patientsDbConnection },
    [PATIENT_API_SETTINGS.databaseName]: { declared: PATIENTS_DATABASE.name },
    [PATIENT_API_SETTINGS.sourceSystemName]: { declared: 'patient-api' },
    [PATIENT_API_SETTINGS.searchHashKey]: { secret: SECRETS.searchHashKey },
  } satisfies Record<SettingName<typeof PATIENT_API_SETTINGS>, Source>,
  'audit-api': {
    [AUDIT_API_SETTINGS.databaseConnection]: { secret: SECRETS.auditDbConnection },
    [AUDIT_API_SETTINGS.databaseName]: { declared: AUDIT_DATABASE.name },
  } satisfies Record<SettingName<typeof AUDIT_API_SETTINGS>, Source>,
};

/** The file Core Tools reads its app settings from (`Values`, set as the host's and worker's environment). */
export interface LocalSettings {
  IsEncrypted: false;
  Values: Record<string, string>;
}

interface LocalEnvOptions {
  dataDir: string;
  write?: boolean;
}

/** The settings for `func start` of `app` against the stack running in `dataDir` (shown as `shownDir`). */
async function localSettings(api: LocalStackApi, app: AppName, dataDir: string, shownDir: string): Promise<LocalSettings> {
  const status = await api.readLocalStackStatus(dataDir);
  const info = status.running ? status.info : undefined;
  if (!info) throw new LocalStackError(`no local stack is running for ${shownDir}; start it with \`npm start\``);
  const valueOf = (source: Source): string => {
    if ('declared' in source) return source.declared;
    if ('stackUrl' in source) return info[source.stackUrl];
    try {
      return api.readStoredSecret(dataDir, source.secret).value;
    } catch {
      throw new LocalStackError(`the local stack's Key Vault holds no secret ${source.secret}; restart the stack`);
    }
  };
  const values = Object.fromEntries(Object.entries(LOCAL_SETTING_SOURCES[app]).map(([name, source]) => [name, valueOf(source)]));
  return {
    IsEncrypted: false,
    // AzureWebJobsStorage stays empty: Core Tools asks for it only for triggers other than HTTP.
    Values: { FUNCTIONS_WORKER_RUNTIME: 'node', AzureWebJobsStorage: '', ...values, ...api.outsideProcessEnvironment(app) },
  };
}

/** What a developer must know about the file, on stderr: never a value. */
function notices(app: AppName): string[] {
  return [
    'Core Tools does not check function keys: under `func start` every route answers without one (only `func start --enableAuth` checks them, as Azure and the local stack always do).',
    'The values are plain: Core Tools resolves @Microsoft.KeyVault references only against a real Key Vault. After `patientctl rotate-keys --target local`, run this again.',
    `NODE_OPTIONS makes ${app}'s connections leave from its subnet's loopback range, so the stack's network rules admit it as they admit the ${app} site.`,
  ];
}

/** Writes the settings readable by their owner only: they hold secrets. */
async function writePrivate(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
}

export function registerLocalEnvCommand(local: Command, deps: CliDeps, defaultDataDir: string): void {
  local
    .command('env')
    .summary('print the local.settings.json to run one app with Core Tools (func start) against the local stack; secrets in plain text')
    .description(
      "print the local.settings.json Azure Functions Core Tools needs to run one app (func start) against the running local stack. It prints secrets in plain text (the Audit API's key, connection strings, the search hash key): holding them is that file's purpose. They are never logged.",
    )
    .addArgument(new Argument('<app>', 'the app Core Tools runs').choices(APP_NAMES))
    .option('--data-dir <dir>', 'the local stack data directory', defaultDataDir)
    .option('--write', 'write functions/<app>/local.settings.json (mode 0600) instead of printing it')
    .action(async (app: AppName, options: LocalEnvOptions, command: Command) => {
      const report = reporterFor(command, deps);
      const api = await deps.localStack();
      const settings = await localSettings(api, app, resolve(deps.repoRoot, options.dataDir), options.dataDir);
      for (const line of notices(app)) deps.io.stderr(`${line}\n`);
      if (options.write) {
        const file = join(deps.repoRoot, 'functions', app, 'local.settings.json');
        await writePrivate(file, `${JSON.stringify(settings, null, 2)}\n`);
        report.line(`wrote ${file}; start the app with: cd functions/${app} && func start`);
        report.result({ ok: true, app, file });
      } else if (report.json) {
        report.result({ ok: true, app, localSettings: settings });
      } else {
        deps.io.stdout(`${JSON.stringify(settings, null, 2)}\n`);
      }
    });
}
