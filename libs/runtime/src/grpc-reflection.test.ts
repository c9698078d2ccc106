import { create, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { ServerReflectionRequestSchema } from '@ultra/contracts/grpc-reflection';
import { RouterService } from '@ultra/contracts/router';
import type { DescFile } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { answerReflection, createReflectionIndex } from './grpc-reflection.ts';

const index = createReflectionIndex([RouterService]);
const ask = (messageRequest: object, sent = new Set<DescFile>()) => answerReflection(index, create(ServerReflectionRequestSchema, { messageRequest } as never), sent);
const names = (a: ReturnType<typeof ask>) => (a.case === 'fileDescriptorResponse' ? a.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name) : a);

describe('gRPC server reflection', () => {
  it('finds the file of every kind of symbol: service, method, message, field, enum, enum value', () => {
    for (const symbol of [
      'ultra.router.v1.RouterService',
      'ultra.router.v1.RouterService.Complete',
      'ultra.chat.v1.ChatRequest',
      'ultra.chat.v1.ChatRequest.messages',
      'ultra.chat.v1.Role',
      'ultra.chat.v1.ROLE_UNSPECIFIED',
      '.ultra.chat.v1.Usage',
    ]) {
      expect(index.fileBySymbol(symbol), symbol).toBeDefined();
    }
    expect(index.fileBySymbol('ultra.chat.v1.Role')!.proto.name).toBe('ultra/chat/v1/chat.proto');
    expect(index.fileBySymbol('ultra.chat')).toBeUndefined();
  });

  it('answers a file with its imports first sent, and leaves out imports already sent on the stream', () => {
    const sent = new Set<DescFile>();
    const first = names(ask({ case: 'fileByFilename', value: 'ultra/router/v1/router.proto' }, sent)) as string[];
    expect(first[0]).toBe('ultra/router/v1/router.proto');
    expect(first).toEqual(expect.arrayContaining(['ultra/chat/v1/chat.proto', 'google/protobuf/timestamp.proto']));
    expect(new Set(first).size).toBe(first.length);
    expect(names(ask({ case: 'fileByFilename', value: 'ultra/router/v1/router.proto' }, sent))).toEqual(['ultra/router/v1/router.proto']);
    // a file asked for is sent even when it went before as an import
    expect(names(ask({ case: 'fileContainingSymbol', value: 'ultra.chat.v1.Role' }, sent))).toEqual(['ultra/chat/v1/chat.proto']);
  });

  it('names what it cannot find, with NOT_FOUND; a request with no query is INVALID_ARGUMENT', () => {
    expect(ask({ case: 'fileByFilename', value: 'nope.proto' })).toEqual({ case: 'errorResponse', value: { errorCode: 5, errorMessage: 'no file "nope.proto" here' } });
    expect(ask({ case: 'fileContainingExtension', value: { containingType: 'ultra.chat.v1.ChatRequest', extensionNumber: 100 } })).toMatchObject({ value: { errorCode: 5 } });
    expect(ask({ case: 'allExtensionNumbersOfType', value: 'ultra.chat.v1.ChatRequest' })).toEqual({ case: 'allExtensionNumbersResponse', value: { baseTypeName: 'ultra.chat.v1.ChatRequest', extensionNumber: [] } });
    expect(ask({ case: undefined })).toMatchObject({ case: 'errorResponse', value: { errorCode: 3 } });
  });
});
