// Loaded (node --import) into the server processes the tests start, which have an IPC channel to the test process:
// when that process ends, however it ends (SIGKILL included), the channel closes and the server ends with it.
if (process.channel) {
  // The channel alone must not keep the server alive, nor is it used for anything else.
  process.channel.unref();
  process.on('disconnect', () => process.exit(1));
}
