/** Script payloads in the security tests set this global when (and only when) they execute. */
export const EXECUTION_CANARY = '__connectorSdkExecutionCanary';
