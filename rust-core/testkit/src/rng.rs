//! A small deterministic generator (splitmix64) and the skewed choice P(k) ∝ 1/(k+1) of the benchmarks.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.mix(self.0)
    }

    /// splitmix64's finaliser: a well-spread function of `value` (also used for tokens).
    pub fn mix(&self, value: u64) -> u64 {
        let mut z = value;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// k in [0, n) with P(k) ≈ ∝ 1/(k+1): k + 1 = (n + 1)^u, u uniform (the continuous inverse).
    pub fn skewed(&mut self, n: u64) -> u64 {
        let k = ((n as f64 + 1.0).powf(self.unit()) - 1.0) as u64;
        k.min(n - 1)
    }
}
