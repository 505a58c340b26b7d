fn main() {
    println!("leakdiff");
}
