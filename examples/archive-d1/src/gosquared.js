// The one place this Worker imports the package. Bundlers for Workers pick its `workerd` entry, which imports
// the .wasm as a module (compiling bytes at run time is not allowed there) and instantiates it.
export { ChatClient } from "gosquared-chat";
