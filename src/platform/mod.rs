//! What minik is running on: the Docker endpoint and the environment around it.
//! (Being written.)
