// The ApplicationDeployment YAML the tests write: one component, its package and digest, and
// further property lines (grants, triggers, limits) as the test needs them.

/** An ApplicationDeployment of one component (`adder` unless named) at `packageLocation`; `properties` are further YAML lines under it. */
export function deploymentYaml(o: { id: string; version: string; packageLocation: string; digest: string; component?: string; limits?: string; properties?: string }): string {
  return `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: ${o.id}
metadata:
  name: ${o.id}
  annotations: { applicationId: ${o.id}, applicationVersion: "${o.version}" }
spec:
  deploymentProfile:
    type: wasm.component
    components:
      - name: ${o.component ?? 'adder'}
        properties:
          packageLocation: ${JSON.stringify(o.packageLocation)}
          digest: ${o.digest}
${o.limits === undefined ? '' : `          limits: ${o.limits}
`}${o.properties ?? ''}`;
}
