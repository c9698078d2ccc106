import { runService } from '@ultra/runtime';
import { startRouter } from './start.ts';

runService('router', startRouter);
