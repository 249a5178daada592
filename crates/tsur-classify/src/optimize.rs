//! L-BFGS: the deterministic, full-batch minimiser the linear model is trained with.
//!
//! Stochastic descent on ~1,000 texts stops wherever its step schedule runs out, so the
//! "model" it returns depends on the schedule as much as on the data. The training
//! objective of [`LinearModel`](crate::LinearModel) is smooth and strictly convex, so a
//! quasi-Newton method reaches its unique minimum in a few hundred gradient evaluations,
//! and the result is the model the objective describes. Everything is computed in `f64`
//! in a fixed order: the same input gives the same bits.

/// When to stop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stop {
    /// At most this many iterations (each costs one gradient, sometimes a few more).
    pub max_iterations: u32,
    /// Stop when `‖gradient‖∞ ≤ tolerance · max(1, |f|)`.
    pub tolerance: f64,
}

/// Remembered curvature pairs.
const MEMORY: usize = 10;

/// Minimises `f` from `x` (overwritten with the minimiser). `f(x, grad)` returns the value
/// and writes the gradient. Returns the number of iterations made.
pub(crate) fn minimize(x: &mut [f64], stop: Stop, mut f: impl FnMut(&[f64], &mut [f64]) -> f64) -> u32 {
    let n = x.len();
    let mut g = vec![0.0; n];
    let mut value = f(x, &mut g);
    let mut s_hist: Vec<Vec<f64>> = Vec::with_capacity(MEMORY);
    let mut y_hist: Vec<Vec<f64>> = Vec::with_capacity(MEMORY);
    let mut rho: Vec<f64> = Vec::with_capacity(MEMORY);
    let mut d = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut alpha = [0.0; MEMORY];
    let mut iteration = 0;
    while iteration < stop.max_iterations {
        if max_abs(&g) <= stop.tolerance * value.abs().max(1.0) {
            break;
        }
        iteration += 1;
        // Two-loop recursion: d = −H·g.
        for (di, gi) in d.iter_mut().zip(&g) {
            *di = -gi;
        }
        for j in (0..s_hist.len()).rev() {
            alpha[j] = rho[j] * dot(&s_hist[j], &d);
            axpy(-alpha[j], &y_hist[j], &mut d);
        }
        let gamma = match (s_hist.last(), y_hist.last()) {
            (Some(s), Some(y)) => dot(s, y) / dot(y, y),
            _ => 1.0 / max_abs(&g).max(1e-12),
        };
        for di in d.iter_mut() {
            *di *= gamma;
        }
        for j in 0..s_hist.len() {
            let beta = rho[j] * dot(&y_hist[j], &d);
            axpy(alpha[j] - beta, &s_hist[j], &mut d);
        }
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (numerical trouble): restart from the gradient.
            s_hist.clear();
            y_hist.clear();
            rho.clear();
            for (di, gi) in d.iter_mut().zip(&g) {
                *di = -gi / max_abs(&g).max(1e-12);
            }
            slope = dot(&g, &d);
        }
        // Backtracking line search with the Armijo condition.
        let mut step = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            for ((xn, xi), di) in x_new.iter_mut().zip(x.iter()).zip(&d) {
                *xn = xi + step * di;
            }
            let v = f(&x_new, &mut g_new);
            if v.is_finite() && v <= value + 1e-4 * step * slope {
                value = v;
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if !accepted {
            break;
        }
        let s: Vec<f64> = x_new.iter().zip(x.iter()).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        x.copy_from_slice(&x_new);
        g.copy_from_slice(&g_new);
        if sy > 1e-12 * dot(&y, &y).max(1e-300) {
            if s_hist.len() == MEMORY {
                s_hist.remove(0);
                y_hist.remove(0);
                rho.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
            rho.push(1.0 / sy);
        }
    }
    iteration
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_a_badly_scaled_quadratic() {
        // f = Σ k·(x_k − k)², minimum at x_k = k.
        let mut x = vec![0.0; 6];
        minimize(&mut x, Stop { max_iterations: 200, tolerance: 1e-10 }, |x, g| {
            let mut f = 0.0;
            for (k, (xi, gi)) in x.iter().zip(g.iter_mut()).enumerate() {
                let scale = (k + 1) as f64 * 10f64.powi(k as i32 - 2);
                f += scale * (xi - k as f64).powi(2);
                *gi = 2.0 * scale * (xi - k as f64);
            }
            f
        });
        for (k, xi) in x.iter().enumerate() {
            assert!((xi - k as f64).abs() < 1e-6, "x[{k}] = {xi}");
        }
    }

    #[test]
    fn minimises_the_rosenbrock_function() {
        let mut x = vec![-1.2, 1.0];
        minimize(&mut x, Stop { max_iterations: 500, tolerance: 1e-10 }, |x, g| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        });
        assert!((x[0] - 1.0).abs() < 1e-5 && (x[1] - 1.0).abs() < 1e-5, "{x:?}");
    }
}
