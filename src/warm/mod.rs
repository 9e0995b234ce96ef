//! `cachestorm warm`: refilling a cold cache, hottest keys first, without clobbering.

pub(crate) mod copy;
