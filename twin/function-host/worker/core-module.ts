/**
 * The part of the Azure Functions Node.js worker an app's `@azure/functions` library talks to:
 * the `@azure/functions-core` module, which the real worker provides at run time (the deploy
 * bundle leaves it external). The library registers each `app.http(...)` here, sets its
 * programming model, and logs; the local host then invokes the functions through that model,
 * in the worker's RPC shapes, exactly as the Functions host would.
 */

/** A binding as the library describes it (`RpcBindingInfo`): the trigger's route, methods and auth level among them. */
export interface BindingInfo {
  type?: string;
  direction?: 'in' | 'out' | 'inout';
  route?: string;
  methods?: string[];
  authLevel?: string;
  [property: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingInfo>;
  [property: string]: unknown;
}

/** `RpcTypedData`: the one field set carries the value. */
export interface TypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  http?: RpcHttp | null;
  [kind: string]: unknown;
}

/** `RpcHttpData`, both ways: the request the host sends and the response the library returns. */
export interface RpcHttp {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  body?: TypedData | null;
  statusCode?: string;
  cookies?: Array<Record<string, unknown>>;
  [field: string]: unknown;
}

export interface InvocationRequest {
  invocationId: string;
  functionId: string;
  inputData: Array<{ name: string; data: TypedData }>;
  triggerMetadata: Record<string, TypedData>;
  traceContext: { traceParent?: string; traceState?: string; attributes: Record<string, string> };
}

export interface CoreInvocationContext {
  invocationId: string;
  request: InvocationRequest;
  metadata: FunctionMetadata;
  state?: string;
  log(level: string, category: string, message: string): void;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: (...args: unknown[]) => unknown): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ invocationId: string; returnValue?: TypedData | null }>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(context: CoreInvocationContext): InvocationModel;
  getCapabilities(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export interface RegisteredFunction {
  metadata: FunctionMetadata;
  handler: (...args: unknown[]) => unknown;
}

export type WorkerLog = (level: string, category: string, message: string) => void;

/** One app's view of the worker: what it registered, and the module object it was given. */
export class FunctionsCore {
  readonly functions: RegisteredFunction[] = [];
  private model: ProgrammingModel | undefined;

  constructor(private readonly log: WorkerLog) {}

  get programmingModel(): ProgrammingModel {
    if (!this.model) throw new Error('the app registered no programming model (it never called app.http)');
    return this.model;
  }

  /** The object `require('@azure/functions-core')` returns inside the app. */
  module(): Record<string, unknown> {
    return {
      setProgrammingModel: (model: ProgrammingModel) => {
        this.model = model;
      },
      getProgrammingModel: () => this.model,
      registerFunction: (metadata: FunctionMetadata, handler: (...args: unknown[]) => unknown) => {
        if (this.functions.some((fn) => fn.metadata.name === metadata.name)) throw new Error(`function "${metadata.name}" is registered twice`);
        this.functions.push({ metadata, handler });
        return { dispose: () => this.functions.splice(this.functions.findIndex((fn) => fn.metadata.name === metadata.name), 1) };
      },
      // The apps register no hooks; running a hook the local host does not implement would be a silent difference.
      registerHook: (hookName: string) => {
        throw new Error(`the local Functions host does not run "${hookName}" hooks`);
      },
      log: this.log,
    };
  }
}
