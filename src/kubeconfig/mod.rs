//! Reading, merging and removing minik's entries in kubeconfig files.
//! (Being written.)
