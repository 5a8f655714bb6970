// Where Skiff's own containerd listens (scripts/host-setup.sh), in a module of its own so
// the agent can look for the socket without loading the containerd runtime (gRPC, CRI).
export const DEFAULT_CONTAINERD_SOCKET = '/run/skiff-containerd/containerd.sock';
