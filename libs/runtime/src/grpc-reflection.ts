import { create, toBinary, type DescEnum, type DescFile, type DescMessage, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Code, type ConnectRouter } from '@connectrpc/connect';
import * as v1 from '@ultra/contracts/grpc-reflection';
import * as v1alpha from '@ultra/contracts/grpc-reflection-v1alpha';

/** Where each schema file and each symbol of the served services lives, and the files' bytes. */
export interface ReflectionIndex {
  /** Fully-qualified names of the services served, sorted. */
  readonly services: readonly string[];
  /** A file by its proto name (`ultra/router/v1/router.proto`). */
  fileByName(name: string): DescFile | undefined;
  /** The file defining a fully-qualified symbol: service, method, message, field, enum or enum value. */
  fileBySymbol(symbol: string): DescFile | undefined;
  /** `file` and every file it imports, directly or not, the file first. */
  closure(file: DescFile): DescFile[];
  /** A file's serialized `google.protobuf.FileDescriptorProto`. */
  bytes(file: DescFile): Uint8Array;
}

/** Indexes `services` and every file they reach through imports. */
export function createReflectionIndex(services: readonly DescService[]): ReflectionIndex {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const encoded = new Map<DescFile, Uint8Array>();
  const enumValues = (e: DescEnum, scope: string) => {
    symbols.set(e.typeName, e.file);
    // Enum values are scoped as siblings of their enum (protobuf's C++ scoping rules).
    for (const v of e.values) symbols.set(scope ? `${scope}.${v.name}` : v.name, e.file);
  };
  const message = (m: DescMessage) => {
    symbols.set(m.typeName, m.file);
    for (const f of m.fields) symbols.set(`${m.typeName}.${f.name}`, m.file);
    for (const o of m.oneofs) symbols.set(`${m.typeName}.${o.name}`, m.file);
    for (const n of m.nestedMessages) message(n);
    for (const e of m.nestedEnums) enumValues(e, m.typeName);
    for (const x of m.nestedExtensions) symbols.set(x.typeName, x.file);
  };
  const addFile = (file: DescFile) => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    for (const m of file.messages) message(m);
    for (const e of file.enums) enumValues(e, file.proto.package);
    for (const x of file.extensions) symbols.set(x.typeName, x.file);
    for (const s of file.services) {
      symbols.set(s.typeName, file);
      for (const method of s.methods) symbols.set(`${s.typeName}.${method.name}`, file);
    }
    for (const dep of file.dependencies) addFile(dep);
  };
  for (const s of services) addFile(s.file);
  return {
    services: [...new Set(services.map((s) => s.typeName))].sort(),
    fileByName: (name) => files.get(name),
    fileBySymbol: (symbol) => symbols.get(symbol.startsWith('.') ? symbol.slice(1) : symbol),
    closure(file) {
      const out: DescFile[] = [];
      const seen = new Set<DescFile>();
      const walk = (f: DescFile) => {
        if (seen.has(f)) return;
        seen.add(f);
        out.push(f);
        for (const d of f.dependencies) walk(d);
      };
      walk(file);
      return out;
    },
    bytes(file) {
      let b = encoded.get(file);
      if (!b) encoded.set(file, (b = toBinary(FileDescriptorProtoSchema, file.proto)));
      return b;
    },
  };
}

type Request = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;

/** An answer to one reflection request, in the shape both protocol versions share. */
export type ReflectionAnswer =
  | { case: 'fileDescriptorResponse'; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: 'listServicesResponse'; value: { service: { name: string }[] } }
  | { case: 'allExtensionNumbersResponse'; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: 'errorResponse'; value: { errorCode: number; errorMessage: string } };

/**
 * Answers one reflection request. Files are answered with their imports, leaving out the
 * imports already sent on this stream (`sent`), as gRPC's own servers do; the file asked
 * for is always sent.
 */
export function answerReflection(index: ReflectionIndex, req: Request, sent: Set<DescFile>): ReflectionAnswer {
  const error = (code: Code, errorMessage: string): ReflectionAnswer => ({ case: 'errorResponse', value: { errorCode: code, errorMessage } });
  const files = (file: DescFile): ReflectionAnswer => {
    const out: Uint8Array[] = [];
    for (const f of index.closure(file)) {
      if (f !== file && sent.has(f)) continue;
      sent.add(f);
      out.push(index.bytes(f));
    }
    return { case: 'fileDescriptorResponse', value: { fileDescriptorProto: out } };
  };
  const m = req.messageRequest;
  switch (m.case) {
    case 'listServices':
      return { case: 'listServicesResponse', value: { service: index.services.map((name) => ({ name })) } };
    case 'fileByFilename': {
      const file = index.fileByName(m.value);
      return file ? files(file) : error(Code.NotFound, `no file ${JSON.stringify(m.value)} here`);
    }
    case 'fileContainingSymbol': {
      const file = index.fileBySymbol(m.value);
      return file ? files(file) : error(Code.NotFound, `no symbol ${JSON.stringify(m.value)} here`);
    }
    case 'fileContainingExtension':
      // Ultra's contracts define no extensions.
      return error(Code.NotFound, `no extension ${m.value.extensionNumber} of ${JSON.stringify(m.value.containingType)} here`);
    case 'allExtensionNumbersOfType':
      if (!index.fileBySymbol(m.value)) return error(Code.NotFound, `no type ${JSON.stringify(m.value)} here`);
      return { case: 'allExtensionNumbersResponse', value: { baseTypeName: m.value, extensionNumber: [] } };
    default:
      return error(Code.InvalidArgument, 'the request names no query (file_by_filename, file_containing_symbol, list_services, ...)');
  }
}

/**
 * Registers gRPC server reflection (`grpc.reflection.v1.ServerReflection` and its
 * `v1alpha` predecessor, which older tools ask for) on `router`, describing every service
 * registered on it so far and the reflection service itself. Call it after the others.
 * grpcurl, grpcui, Postman and `buf curl` then need no copy of the protos.
 */
export function addReflection(router: ConnectRouter): void {
  const served = [...new Set(router.handlers.map((h) => h.service))];
  const index = createReflectionIndex([...served, v1.ServerReflection, v1alpha.ServerReflection]);
  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      const sent = new Set<DescFile>();
      for await (const req of requests) {
        yield create(v1.ServerReflectionResponseSchema, { validHost: req.host, originalRequest: req, messageResponse: answerReflection(index, req, sent) });
      }
    },
  });
  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      const sent = new Set<DescFile>();
      for await (const req of requests) {
        yield create(v1alpha.ServerReflectionResponseSchema, { validHost: req.host, originalRequest: req, messageResponse: answerReflection(index, req, sent) });
      }
    },
  });
}
