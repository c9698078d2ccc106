import { describeAdapterContract } from '../testing/contract.ts';

describeAdapterContract('cohere');
