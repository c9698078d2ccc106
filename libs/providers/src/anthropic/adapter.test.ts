import { describeAdapterContract } from '../testing/contract.ts';

describeAdapterContract('anthropic');
